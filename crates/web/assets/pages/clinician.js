// The clinician's patient list with the flags that need their attention, and invite codes.
import { get, post } from '../api.js';
import { inlineConfirm } from '../dom.js';
import { h, icon } from '../dom.js';
import { tierLabel, fmtDate } from '../units.js';

export function describeFlag(f) {
  switch (f.flag) {
    // Up to 3/10 is the engine's "acceptable" pain: a rise that stays there is worth a
    // look, not an alarm, so it ranks below dizziness or a near-fall.
    case 'pain_rising': return [`Knee pain rising: ${f.from}/10 → ${f.to}/10`, Number(f.to) >= 4 ? 'bad' : 'warn'];
    case 'safety_event': return [`${f.what} on ${fmtDate(f.date)}`, 'bad'];
    case 'missed_sessions': return [`${f.count} missed session${f.count === 1 ? '' : 's'} in 2 weeks`, 'warn'];
    case 'no_log_for': return [`No log for ${f.days} days`, 'warn'];
    case 'paused': return ['Programme paused', 'warn'];
    case 'red_flag': return [`Red flag: ${f.what}; programme paused`, 'bad'];
    case 'needs_clearance': return ['Waiting for clearance', 'info'];
    default: return [String(f.flag || f).replace(/_/g, ' '), 'info'];
  }
}

export function flagChips(flags) {
  return h('ul', { class: 'flags' }, (flags || []).map((f) => {
    const [text, tone] = describeFlag(f);
    return h('li', { class: `flag flag-${tone}`, 'data-flag': f.flag }, icon('flag'), text);
  }));
}

export async function render(view, ctx) {
  if (ctx.me && ctx.me.approved === false) {
    view.append(
      h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Clinician'), h('h1', {}, 'Waiting for approval')),
      h('section', { class: 'card empty-state', id: 'awaiting-approval' }, h('h2', {}, 'Your account is waiting for approval'),
        h('p', { class: 'muted' }, 'This server\'s administrator approves every clinician before they can invite patients or see their data. Once approved, reload this page.')));
    return;
  }
  const [patients, invites] = await Promise.all([get('/api/patients'), get('/api/invites').catch(() => [])]);
  const card = inviteCard(invites, ctx);
  const sorted = [...patients].sort((a, b) => severity(b) - severity(a) || a.name.localeCompare(b.name));
  view.append(
    h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Clinician'), h('h1', {}, 'Your patients'),
      h('p', { class: 'lede' }, 'Patients who need a look come first: rising pain, dizziness or near-falls, missed sessions, or silence.')),
    card,
    sorted.length
      ? h('ul', { class: 'patient-list', id: 'patients' }, sorted.map((p) => h('li', {},
        h('a', { class: 'patient-row', href: `/clinician/patients/${p.id}`, 'data-link': true, 'data-patient': p.name },
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(p.name)),
          h('span', { class: 'pr-main' },
            h('strong', {}, p.name),
            h('span', { class: 'muted small' }, p.tier ? `${tierLabel(p.tier)} tier` : 'No programme yet', ' · ', p.last_session ? `last session ${fmtDate(p.last_session)}` : 'no sessions yet'),
            p.flags && p.flags.length ? flagChips(p.flags) : h('span', { class: 'ok-line' }, icon('check'), 'Nothing flagged')),
          icon('arrow', 'icon chevron')))))
      : h('section', { class: 'card empty-state' }, h('h2', {}, 'No patients yet'), h('p', { class: 'muted' }, 'Create an invite code and give it to a patient; they appear here once they accept it.')),
  );
}

function severity(p) {
  return (p.flags || []).reduce((a, f) => a + (describeFlag(f)[1] === 'bad' ? 10 : describeFlag(f)[1] === 'warn' ? 3 : 1), 0);
}

function initials(name) {
  return String(name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((s) => s[0].toUpperCase()).join('');
}

const STATE_TEXT = { unused: 'Unused', used: 'Used', expired: 'Expired', revoked: 'Revoked' };

function fmtWhenShort(unix) {
  const d = new Date(Number(unix) * 1000);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/**
 * Copies text to the clipboard: the Clipboard API where the page may use it (HTTPS or
 * localhost), else a selected textarea and the older copy command (plain http on a LAN).
 * Returns whether it worked, so the caller can say "select it yourself" otherwise.
 */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* refused: try the fallback */ }
  const ta = h('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  ta.remove();
  return ok;
}

// The codes a clinician made: create one, copy it, show it as a QR code to scan in clinic,
// and revoke one that should no longer link anybody.
function inviteCard(initial, ctx) {
  const list = h('ul', { class: 'invite-list', id: 'invites' });
  const out = h('div', { class: 'invite-out', id: 'invite-out', hidden: true });
  const createBtn = h('button', { class: 'btn btn-primary', type: 'button', id: 'create-invite' }, icon('people'), 'Create invite code');

  const copy = async (text, what) => {
    if (await copyText(text)) ctx.toast(`${what} copied.`, 'good');
    else ctx.toast(`Could not copy: select the ${what.toLowerCase()} and copy it yourself.`, 'warn');
  };

  const qrBlock = (inv) => h('figure', { class: 'invite-qr' },
    h('img', { src: `/api/invites/${encodeURIComponent(inv.code)}/qr`, alt: `QR code that opens retrowalk with code ${inv.code} filled in`, width: 200, height: 200, 'data-qr': inv.code }),
    h('figcaption', { class: 'muted small' }, 'Your patient scans this with their phone camera: ', h('span', { class: 'join-url' }, inv.join_url || '')));

  const showNew = (inv) => {
    out.replaceChildren(
      h('span', { class: 'k' }, 'Give this code to your patient'),
      h('strong', { class: 'code', id: 'invite-code' }, inv.code),
      h('div', { class: 'actions wrap' },
        h('button', { class: 'btn', type: 'button', id: 'copy-new-code', onclick: () => copy(inv.code, 'Code') }, 'Copy code'),
        inv.join_url ? h('button', { class: 'btn btn-ghost', type: 'button', id: 'copy-new-link', onclick: () => copy(inv.join_url, 'Link') }, 'Copy link') : null),
      qrBlock(inv),
      h('span', { class: 'muted small' }, inv.expires_at ? `Valid until ${fmtWhenShort(inv.expires_at)}. ` : '', 'They enter it under Settings → Your clinician, or scan the QR code.'));
    out.hidden = false;
  };

  const row = (inv) => {
    const li = h('li', { class: `invite-item invite-${inv.state}`, 'data-code': inv.code, 'data-state': inv.state });
    const detail = inv.state === 'used'
      ? `Used${inv.accepted_by_name ? ` by ${inv.accepted_by_name}` : ''}${inv.accepted_at ? ` on ${fmtWhenShort(inv.accepted_at)}` : ''}`
      : inv.state === 'unused' ? `Valid until ${fmtWhenShort(inv.expires_at)}`
        : inv.state === 'revoked' ? `Revoked${inv.revoked_at ? ` on ${fmtWhenShort(inv.revoked_at)}` : ''}`
          : `Expired on ${fmtWhenShort(inv.expires_at)}`;
    const actions = h('div', { class: 'actions wrap' });
    const extra = h('div', { class: 'invite-extra' });
    if (inv.state === 'unused') {
      actions.append(
        h('button', { class: 'btn btn-small', type: 'button', 'data-action': 'copy', onclick: () => copy(inv.code, 'Code') }, 'Copy'),
        h('button', { class: 'btn btn-small', type: 'button', 'data-action': 'qr', 'aria-expanded': 'false', onclick: (e) => {
          const open = extra.firstChild == null;
          extra.replaceChildren(...(open ? [qrBlock(inv)] : []));
          e.currentTarget.setAttribute('aria-expanded', String(open));
        } }, 'QR code'),
        h('button', { class: 'btn btn-small btn-warn', type: 'button', 'data-action': 'revoke', onclick: () => {
          inlineConfirm(extra, `Revoke ${inv.code}? Nobody can link with it afterwards.`, 'Revoke code', async () => {
            try {
              await post(`/api/invites/${encodeURIComponent(inv.code)}/revoke`);
              ctx.toast(`Code ${inv.code} revoked.`, 'good');
              await refresh();
            } catch (ex) { ctx.toast(ex.message, 'bad'); }
          });
        } }, 'Revoke'));
    }
    li.append(h('div', { class: 'invite-main' },
      h('strong', { class: 'code small-code' }, inv.code),
      h('span', { class: `mini-badge state-${inv.state}` }, STATE_TEXT[inv.state] || inv.state),
      h('span', { class: 'muted small' }, detail)), actions, extra);
    return li;
  };

  const draw = (invites) => {
    list.replaceChildren(...(invites || []).map(row));
    list.hidden = !(invites || []).length;
  };
  const refresh = async () => draw(await get('/api/invites'));

  createBtn.addEventListener('click', async () => {
    createBtn.disabled = true;
    try {
      const r = await post('/api/invites');
      showNew(r);
      await refresh();
    } catch (ex) { ctx.toast(ex.message, 'bad'); }
    createBtn.disabled = false;
  });
  draw(initial);

  return h('section', { class: 'card invite-card', id: 'invite-card' },
    h('div', { class: 'invite-row' },
      h('div', {}, h('h2', { class: 'card-title' }, 'Link a new patient'), h('p', { class: 'muted small' }, 'Each code links one patient and expires. Revoke a code you gave out by mistake.')), createBtn),
    out,
    h('h3', { class: 'field-label' }, 'Your codes'),
    list);
}
