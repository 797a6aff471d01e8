// Sign in and sign up (one page, two modes by path).
import { post } from '../api.js';
import { h, field, segmented, radioValue } from '../dom.js';
import { report, required, emailProblem, newPasswordProblem, showServerError, sentence, PASSWORD_MIN } from '../forms.js';

export async function render(view, ctx) {
  const signup = ctx.path === '/signup';
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const email = h('input', { type: 'email', name: 'email', id: 'email', autocomplete: 'email', required: true });
  const password = h('input', {
    type: 'password', name: 'password', id: 'password', required: true,
    autocomplete: signup ? 'new-password' : 'current-password', minlength: signup ? PASSWORD_MIN : null,
  });
  const name = h('input', { type: 'text', name: 'name', id: 'name', autocomplete: 'name', required: true, maxlength: 80 });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'submit' }, signup ? 'Create account' : 'Sign in');
  const form = h('form', { class: 'stack', novalidate: true },
    signup ? field('Your name', name) : null,
    field('Email', email),
    field('Password', password, signup ? `At least ${PASSWORD_MIN} characters.` : null),
    signup ? segmented('role', 'I am…', [['walker', 'Walking for myself'], ['clinician', 'A clinician']], 'walker') : null,
    err,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    // Caught here with a sentence under the field, rather than sent for the server's terse one.
    const ok = report(form, signup
      ? [[name, required(name.value, 'Enter your name, as your clinician would know you.')],
        [email, emailProblem(email.value)],
        [password, newPasswordProblem(password.value)]]
      : [[email, emailProblem(email.value)],
        [password, required(password.value, 'Enter your password.')]]);
    if (!ok) return;
    submit.disabled = true;
    try {
      if (signup) {
        await post('/api/signup', { email: email.value.trim(), password: password.value, name: name.value.trim(), role: radioValue(form, 'role') || 'walker' });
      } else {
        await post('/api/login', { email: email.value.trim(), password: password.value });
      }
      const me = await ctx.refreshMe();
      if (!me) throw new Error('Signed in, but the session cookie was not kept. Allow cookies for this site.');
      ctx.navigate(me.role === 'clinician' ? '/clinician' : me.has_profile ? '/' : '/onboarding', { replace: true });
    } catch (ex) {
      if (!showServerError(form, ex)) {
        err.textContent = sentence(ex.message);
        err.hidden = false;
      }
      submit.disabled = false;
    }
  });

  view.append(
    h('div', { class: 'auth' },
      h('div', { class: 'auth-hero' },
        h('div', { class: 'auth-mark', html: '<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="9"/><path d="M22.13 11.36A8 8 0 1 1 10.34 10.84"/><path class="head" d="M12.78 8.40L6.98 9.11L12.08 14.20Z"/></svg>' }),
        h('h1', {}, 'retrowalk'),
        h('p', { class: 'lede' }, 'Backward walking on your treadmill, coached safely: a plan that fits you, a calm voice while you walk, and a next session that adapts to how it went.'),
      ),
      h('section', { class: 'card auth-card' },
        h('h2', {}, signup ? 'Create your account' : 'Welcome back'),
        form,
        signup ? null : h('details', { class: 'forgot', id: 'forgot' },
          h('summary', {}, 'Forgot your password?'),
          h('p', { class: 'muted' }, 'This retrowalk server sends no email, so ask the person who runs it (your clinic, or whoever set it up) for a password-reset link. They make one with ',
            h('code', {}, 'retrowalk user reset-password'), ' and your email; it works once, for an hour.')),
        h('p', { class: 'muted center' }, signup
          ? ['Already have an account? ', h('a', { href: '/signin', 'data-link': true }, 'Sign in')]
          : ['New here? ', h('a', { href: '/signup', 'data-link': true }, 'Create an account')]),
      ),
      h('p', { class: 'notice' }, 'retrowalk is not a medical device. Stop at once on dizziness, sharp pain, knee pain above 5/10 or anything that feels wrong, and follow your clinician’s advice over any plan.'),
    ),
  );
}
