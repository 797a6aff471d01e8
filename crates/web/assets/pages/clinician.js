// The clinician's patient list with the flags that need their attention, and invite codes.
import { get, post } from '../api.js';
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
  const patients = await get('/api/patients');
  const inviteOut = h('div', { class: 'invite-out', id: 'invite-out', hidden: true });
  const inviteBtn = h('button', { class: 'btn btn-primary', type: 'button', id: 'create-invite' }, icon('people'), 'Create invite code');
  inviteBtn.addEventListener('click', async () => {
    inviteBtn.disabled = true;
    try {
      const r = await post('/api/invites');
      inviteOut.replaceChildren(
        h('span', { class: 'k' }, 'Give this code to your patient'),
        h('strong', { class: 'code', id: 'invite-code' }, r.code),
        h('span', { class: 'muted small' }, r.expires_at ? `Valid until ${new Date(typeof r.expires_at === 'number' ? r.expires_at * 1000 : r.expires_at).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}. ` : '', 'They enter it under Settings → Your clinician.'));
      inviteOut.hidden = false;
    } catch (ex) { ctx.toast(ex.message, 'bad'); }
    inviteBtn.disabled = false;
  });

  const sorted = [...patients].sort((a, b) => severity(b) - severity(a) || a.name.localeCompare(b.name));
  view.append(
    h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Clinician'), h('h1', {}, 'Your patients'),
      h('p', { class: 'lede' }, 'Patients who need a look come first: rising pain, dizziness or near-falls, missed sessions, or silence.')),
    h('section', { class: 'card invite-card' }, h('div', { class: 'invite-row' },
      h('div', {}, h('h2', { class: 'card-title' }, 'Link a new patient'), h('p', { class: 'muted small' }, 'Each code links one patient and expires.')), inviteBtn), inviteOut),
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
