// Choosing a new password with the one-time link the server's administrator printed
// (`retrowalk user reset-password EMAIL`). The token is in the link's fragment, which the
// browser never sends anywhere but here.
import { post } from '../api.js';
import { h, field } from '../dom.js';
import { report, newPasswordProblem, sameProblem, showServerError, sentence, PASSWORD_MIN } from '../forms.js';

const ASK_ADMIN = 'Ask the person who runs this retrowalk server for a new link.';

export async function render(view, ctx) {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const err = h('p', { class: 'form-error', id: 'reset-error', role: 'alert', hidden: true });
  const password = h('input', { type: 'password', name: 'password', id: 'password', autocomplete: 'new-password', required: true, minlength: PASSWORD_MIN });
  const again = h('input', { type: 'password', name: 'password2', id: 'password2', autocomplete: 'new-password', required: true });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'submit' }, 'Set my new password');
  const form = h('form', { class: 'stack', novalidate: true },
    field('New password', password, `At least ${PASSWORD_MIN} characters.`),
    field('New password again', again),
    err,
    submit);
  const body = token
    ? [h('p', { class: 'muted' }, 'This link works once. Setting a new password signs you out on every device.'), form]
    : [h('p', { class: 'form-error', id: 'reset-error', role: 'alert' }, `This link is incomplete: it should end with #token= and a long code. ${ASK_ADMIN}`)];

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const ok = report(form, [
      [password, newPasswordProblem(password.value)],
      [again, password.value ? sameProblem(password.value, again.value) : ''],
    ]);
    if (!ok) return;
    submit.disabled = true;
    try {
      await post('/api/password-reset', { token, password: password.value });
      ctx.toast('Password changed. Sign in with your new password.', 'good');
      await ctx.signOut();
    } catch (ex) {
      submit.disabled = false;
      if (ex.field === 'token') {
        err.textContent = sentence(ex.message);
        err.hidden = false;
      } else if (!showServerError(form, ex)) {
        err.textContent = sentence(ex.message);
        err.hidden = false;
      }
    }
  });

  view.append(h('div', { class: 'auth' },
    h('section', { class: 'card auth-card' },
      h('h1', {}, 'Choose a new password'),
      ...body,
      h('p', { class: 'muted center' }, h('a', { href: '/signin', 'data-link': true }, 'Back to sign in')))));
}
