// A tiny element builder: h('div', {class: 'x', onclick: f}, 'text', child, [more]).
// Text always goes in as text nodes, so nothing a user typed becomes markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'html') {
      // Only for markup this app built itself (the SVG charts and icons).
      el.innerHTML = v;
    } else if (k in el && typeof v !== 'string') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const PATHS = {
  play: '<path d="M8 5v14l11-7z" fill="currentColor" stroke="none"/>',
  pause: '<path d="M7 5h3.5v14H7zM13.5 5H17v14h-3.5z" fill="currentColor" stroke="none"/>',
  check: '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
  home: '<path d="M4 11l8-7 8 7v9h-5v-6H9v6H4z"/>',
  calendar: '<rect x="4" y="5" width="16" height="15" rx="2"/><path d="M4 10h16M9 3v4M15 3v4"/>',
  chart: '<path d="M4 20V4M4 20h16M8 16v-5M12 16V8M16 16v-8"/>',
  settings: '<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1"/>',
  people: '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0"/><path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6 6 0 0 1 3.5 6"/>',
  speaker: '<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12"/>',
  mute: '<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M17 9l5 6M22 9l-5 6"/>',
  alert: '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.01"/>',
  arrow: '<path d="M5 12h14M13 6l6 6-6 6"/>',
  back: '<path d="M19 12H5M11 6l-6 6 6 6"/>',
  flag: '<path d="M5 21V4M5 4h11l-2 4 2 4H5"/>',
  heart: '<path d="M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z"/>',
  signout: '<path d="M10 4H5v16h5M14 8l4 4-4 4M18 12H9"/>',
  download: '<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>',
  shield: '<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/>',
  spark: '<path d="M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5L18 18M6 18l2.5-2.5M15.5 8.5L18 6"/>',
};

export function icon(name, cls = 'icon') {
  return h('span', {
    class: cls,
    'aria-hidden': 'true',
    html: `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${PATHS[name] || ''}</svg>`,
  });
}

/** A 0–10 scale as radio buttons; labels for the ends. A null value leaves every option
 * unticked (Number(null) is 0, which would answer "none" on the person's behalf). */
export function scale(name, legend, value, ends = ['none', 'worst']) {
  const opts = [];
  const chosen = value === null || value === undefined || value === '' ? null : Number(value);
  for (let v = 0; v <= 10; v++) {
    const id = `${name}-${v}`;
    opts.push(h('input', { type: 'radio', name, id, value: String(v), checked: chosen === v, class: 'sr' }));
    opts.push(h('label', { for: id, class: `scale-opt lvl-${v}` }, String(v)));
  }
  return h('fieldset', { class: 'scale', id: `${name}-scale` },
    h('legend', {}, legend),
    h('div', { class: 'scale-opts' }, opts),
    h('div', { class: 'scale-ends' }, h('span', {}, `0 ${ends[0]}`), h('span', {}, `10 ${ends[1]}`)),
  );
}

export function scaleValue(form, name) {
  const el = form.querySelector(`input[name="${name}"]:checked`);
  return el ? Number(el.value) : null;
}

/** A row of mutually exclusive big buttons backed by radio inputs. */
export function segmented(name, legend, options, value) {
  return h('fieldset', { class: 'segmented', id: `${name}-field` },
    legend ? h('legend', {}, legend) : null,
    h('div', { class: 'seg-opts' }, options.map(([v, text]) => {
      const id = `${name}-${v}`;
      return [
        h('input', { type: 'radio', name, id, value: v, checked: v === value, class: 'sr' }),
        h('label', { for: id }, text),
      ];
    })),
  );
}

export function radioValue(form, name) {
  const el = form.querySelector(`input[name="${name}"]:checked`);
  return el ? el.value : null;
}

export function field(label, input, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label' }, label),
    input,
    hint ? h('span', { class: 'field-hint' }, hint) : null,
  );
}

export function check(id, text, checked = false, extra = {}) {
  return h('label', { class: 'check', for: id },
    h('input', { type: 'checkbox', id, checked, ...extra }),
    h('span', { class: 'check-box' }, icon('check')),
    h('span', { class: 'check-text' }, text),
  );
}

/**
 * Asks in place before something that cannot be undone: `question` with a confirming and a
 * cancel button inside `where` (no browser dialog, so it reads well at any text size and to
 * a screen reader, which is told through role="alert").
 */
export function inlineConfirm(where, question, yesLabel, onYes) {
  const yes = h('button', { class: 'btn btn-warn', type: 'button', 'data-confirm': 'yes' }, yesLabel);
  const no = h('button', { class: 'btn btn-ghost', type: 'button', 'data-confirm': 'no' }, 'Cancel');
  const box = h('div', { class: 'confirm-box', role: 'alert' }, h('p', {}, question), h('div', { class: 'actions wrap' }, yes, no));
  yes.addEventListener('click', async () => { yes.disabled = true; no.disabled = true; await onYes(); box.remove(); });
  no.addEventListener('click', () => box.remove());
  where.replaceChildren(box);
  yes.focus();
  return box;
}
