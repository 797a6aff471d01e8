// Form checks in the browser before anything is sent, with a friendly sentence under the
// field at fault (tied to it for screen readers), and the server's answer shown the same way.

export const PASSWORD_MIN = 10;

/** "password must be…" → "Password must be…." */
export function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function fieldError(input, message) {
  const id = `${input.id || input.name}-error`;
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement('span');
    note.className = 'field-error';
    note.id = id;
    (input.closest('.field') || input.parentElement).append(note);
  }
  note.textContent = sentence(message);
  note.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  const by = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (!by.includes(id)) input.setAttribute('aria-describedby', [...by, id].join(' '));
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((n) => { n.hidden = true; n.textContent = ''; });
  form.querySelectorAll('[aria-invalid="true"]').forEach((i) => i.removeAttribute('aria-invalid'));
}

/** Shows each [input, message] (messages may be empty: no problem) and focuses the first
 * field at fault. True when there was nothing to show. */
export function report(form, checks) {
  clearErrors(form);
  const bad = checks.filter(([, m]) => m);
  bad.forEach(([input, m]) => fieldError(input, m));
  if (bad.length) bad[0][0].focus();
  return bad.length === 0;
}

export function required(value, message) {
  return String(value ?? '').trim() ? '' : message;
}

export function emailProblem(value) {
  const v = String(value || '').trim();
  if (!v) return 'Enter your email address.';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return 'That does not look like an email address: check for a missing @ or dot.';
  return '';
}

export function newPasswordProblem(value) {
  const n = [...String(value || '')].length;
  if (!n) return 'Choose a password.';
  if (n < PASSWORD_MIN) {
    return `Use at least ${PASSWORD_MIN} characters (this one has ${n}). A few unrelated words make a strong password that is easy to remember.`;
  }
  return '';
}

export function sameProblem(first, second) {
  if (!String(second || '')) return 'Type the new password again.';
  return first === second ? '' : 'The two passwords are different: type the same one in both boxes.';
}

/** An answer from the server naming a field goes under that field; true when it did. */
export function showServerError(form, ex) {
  const input = ex && ex.field ? form.querySelector(`[name="${ex.field}"]`) : null;
  if (!input) return false;
  fieldError(input, ex.message);
  input.focus();
  return true;
}

/**
 * Keeps a form's answers in this tab's sessionStorage while it is being filled in, so a
 * reload (or the phone dropping the page) does not lose them. Every field is kept by its id
 * (or name and value, for radios without one), so fields added later are kept too; password
 * and file fields never are. `extra` holds state of the page's own (e.g. the step shown).
 * Returns { restore(): the saved extra or null, save(extra), forget() }.
 */
export function formDraft(form, key) {
  const fields = () => [...form.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'password' && el.type !== 'file' && (el.id || el.name));
  const keyOf = (el) => ((el.type === 'radio' && !el.id) ? `${el.name}=${el.value}` : el.id || el.name);
  let extra = null;
  const save = (more) => {
    if (more !== undefined) extra = more;
    const values = {};
    for (const el of fields()) values[keyOf(el)] = (el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value;
    try { sessionStorage.setItem(key, JSON.stringify({ values, extra })); } catch { /* private mode: not kept */ }
  };
  form.addEventListener('input', () => save());
  form.addEventListener('change', () => save());
  return {
    restore() {
      let saved = null;
      try { saved = JSON.parse(sessionStorage.getItem(key) || 'null'); } catch { saved = null; }
      if (!saved || typeof saved.values !== 'object' || saved.values === null) return null;
      for (const el of fields()) {
        const k = keyOf(el);
        if (!(k in saved.values)) continue;
        if (el.type === 'checkbox' || el.type === 'radio') el.checked = Boolean(saved.values[k]);
        else el.value = String(saved.values[k] ?? '');
      }
      extra = saved.extra ?? null;
      return { extra };
    },
    save,
    forget() { try { sessionStorage.removeItem(key); } catch { /* nothing kept */ } },
  };
}
