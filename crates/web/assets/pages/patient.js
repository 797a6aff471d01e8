// One patient, for their clinician: flags, the next session, caps, tier, clearance,
// pause/resume, charts, history and the audit trail.
import { get, put, post, ApiError } from '../api.js';
import { h, icon, field } from '../dom.js';
import { tierLabel, fmtDate, fmtMinutes, fmtSpeed, speedIn, speedToKmh, unitLabel, round1, ruleId } from '../units.js';
import { flagChips } from './clinician.js';
import { sessionFacts, statusOf, auditList, OUTCOME, weekCounts } from './home.js';
import { progressCharts } from './charts-view.js';

const TIERS = ['standard', 'caution', 'supervised', 'clearance_required'];

export async function render(view, ctx) {
  const id = ctx.params[0];
  const list = await get('/api/patients').catch(() => []);
  const summary = (list || []).find((x) => String(x.id) === String(id));
  let p;
  try {
    p = await get(`/api/patients/${id}`);
  } catch (ex) {
    // No programme yet (e.g. waiting for clearance): still show who it is and the actions.
    if (!(ex instanceof ApiError && ex.status === 409 && summary)) throw ex;
    p = { user: { name: summary.name, email: summary.email }, flags: summary.flags, today: { tier: summary.tier }, seq: 0 };
  }
  const profile = p.profile || {};
  const units = profile.units || p.today?.units || 'mph';
  const today = p.today || {};
  const status = statusOf(today);
  const caps = p.caps || {};
  const seq = p.seq ?? today.seq ?? 0;
  const reload = () => ctx.navigate(`/clinician/patients/${id}`, { replace: true });
  const act = async (fn, okMsg) => {
    try { await fn(); ctx.toast(okMsg, 'good'); reload(); } catch (ex) {
      if (ex instanceof ApiError && ex.status === 409) { ctx.toast('Someone else changed this; reloaded.', 'warn'); reload(); } else ctx.toast(ex.message, 'bad');
    }
  };

  // Caps in the patient's own units, sent in km/h.
  const capSpeedKmh = caps.max_speed_kmh ?? caps.max_speed ?? null;
  const capIncline = caps.max_incline_pct ?? caps.max_incline ?? null;
  const capMin = caps.max_backward_min ?? (caps.max_backward_s != null ? caps.max_backward_s / 60 : null);
  // The engine's own limits (ADA-11): the lowest belt speed up to the backward ceiling, 3.6 mph.
  const speedIn_ = h('input', { id: 'cap-speed', type: 'number', inputmode: 'decimal', min: units === 'mph' ? 0.5 : 0.8, max: units === 'mph' ? 3.5 : 5.7, step: '0.1', value: capSpeedKmh != null ? String(round1(speedIn(capSpeedKmh, units))) : '' });
  const inclineIn = h('input', { id: 'cap-incline', type: 'number', inputmode: 'decimal', min: 0, max: 3, step: '0.5', value: capIncline != null ? String(capIncline) : '' });
  const minIn = h('input', { id: 'cap-minutes', type: 'number', inputmode: 'numeric', min: 1, max: 120, step: '1', value: capMin != null ? String(Math.round(capMin)) : '' });
  const capsForm = h('form', { class: 'stack', id: 'caps-form' },
    h('div', { class: 'row3' },
      field(`Max speed (${unitLabel(units)})`, speedIn_),
      field('Max incline (%)', inclineIn),
      field('Max backward (min)', minIn)),
    h('p', { class: 'muted small', id: 'caps-unit' }, `Speeds in ${unitLabel(units)}, the patient’s own unit, so you and they read the same figures. Leave a box empty for no limit. The engine never plans above a limit.`),
    h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'submit', id: 'save-caps' }, 'Save limits')));
  capsForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const num = (el) => (el.value.trim() === '' ? null : Number(el.value));
    const s = num(speedIn_);
    const body = {
      max_speed_kmh: s == null ? null : Math.round(speedToKmh(s, units) * 1000) / 1000,
      max_incline_pct: num(inclineIn),
      max_backward_min: num(minIn),
      expected_seq: seq,
    };
    if ([body.max_speed_kmh, body.max_incline_pct, body.max_backward_min].some((v) => v !== null && !Number.isFinite(v))) {
      ctx.toast('Limits must be numbers.', 'warn');
      return;
    }
    act(() => put(`/api/patients/${id}/caps`, body), 'Limits saved. The patient sees this change.');
  });

  const tierSel = h('select', { id: 'tier-select' }, TIERS.map((t) => h('option', { value: t, selected: t === (today.tier || p.screening?.tier) }, tierLabel(t))));
  const tierForm = h('form', { class: 'inline-form' }, field('Risk tier', tierSel), h('button', { class: 'btn', type: 'submit', id: 'change-tier' }, 'Change tier'));
  tierForm.addEventListener('submit', (e) => { e.preventDefault(); act(() => put(`/api/patients/${id}/tier`, { tier: tierSel.value }), 'Tier changed.'); });

  const clearNote = h('input', { id: 'clearance-note', type: 'text', maxlength: 300, placeholder: 'e.g. Assessed in clinic 24 Nov' });
  // The clinician chooses the tier a clearance starts in (SCR-12); supervised unless changed.
  const clearTier = h('select', { id: 'clearance-tier' }, ['supervised', 'caution', 'standard'].map((t) => h('option', { value: t }, tierLabel(t))));
  const clearForm = h('form', { class: 'inline-form' }, field('Clearance note', clearNote), field('Start in tier', clearTier), h('button', { class: 'btn', type: 'submit', id: 'record-clearance' }, icon('shield'), 'Record clearance'));
  clearForm.addEventListener('submit', (e) => { e.preventDefault(); act(() => post(`/api/patients/${id}/clearance`, { note: clearNote.value.trim(), tier: clearTier.value }), 'Clearance recorded.'); });

  const paused = status === 'paused';
  // The status is worded for the patient ("by your clinician: …").
  const pausedText = `Paused ${String(today.status?.reason || '').replace(/^by your clinician/, 'by a clinician')}.`;
  const pauseReason = h('input', { id: 'pause-reason', type: 'text', maxlength: 300, placeholder: 'e.g. Swelling reported; review in clinic' });
  const pauseForm = h('form', { class: 'inline-form' },
    paused ? h('p', { class: 'muted small grow', id: 'paused-text' }, pausedText) : field('Why pause (the patient sees this)', pauseReason),
    h('button', { class: paused ? 'btn btn-primary' : 'btn btn-warn', type: 'submit', id: paused ? 'resume' : 'pause-programme' }, paused ? 'Resume programme' : 'Pause programme'));
  pauseForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => (paused ? post(`/api/patients/${id}/resume`) : post(`/api/patients/${id}/pause`, { reason: pauseReason.value.trim() })), paused ? 'Programme resumed.' : 'Programme paused.');
  });

  const sessions = (p.history || []).filter((e) => e.event && e.event.kind === 'session');
  const { done, planned, text: weekText } = weekCounts(today.adherence);
  // The server's words for the limits, in the patient's unit, as the patient reads them.
  const inForce = p.caps_text ? [p.caps_text] : [
    capSpeedKmh != null && `max speed ${fmtSpeed(capSpeedKmh, units)}`,
    capIncline != null && `max incline ${capIncline}%`,
    capMin != null && `max ${Math.round(capMin)} min backward`,
  ].filter(Boolean);
  const history = h('div', { class: 'table-wrap' }, h('table', { class: 'figures', id: 'history' },
    h('thead', {}, h('tr', {}, ['Date', 'Backward', 'Effort', 'Pain d/a', 'Safety', 'Then'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, sessions.slice().reverse().map((e) => {
      const l = e.event;
      const safety = [l.dizziness && 'dizzy', l.near_fall && 'near-fall', l.fall && 'fall', l.stopped_early && `stopped: ${String(l.stopped_early).replace(/_/g, ' ')}`].filter(Boolean).join(', ') || '—';
      // data-label names each figure when a phone stacks the row (see app.css).
      const row = h('tr', { class: e.note ? 'has-note' : null }, h('th', { scope: 'row' }, fmtDate(l.date), l.extra ? h('span', { class: 'muted small' }, ' extra') : null), h('td', { 'data-label': 'Backward' }, fmtMinutes(l.backward_s)), h('td', { 'data-label': 'Effort' }, String(l.effort)),
        h('td', { 'data-label': 'Pain d/a' }, `${l.pain_during}/${l.pain_after}`), h('td', { 'data-label': 'Safety', class: safety === '—' ? 'safety none' : 'safety' }, safety),
        h('td', { class: 'small wrap then' }, e.decision ? h('span', { class: `outcome outcome-${OUTCOME[e.decision.outcome]?.[1] || 'neutral'} tiny` }, OUTCOME[e.decision.outcome]?.[0] || e.decision.outcome) : '', ' ', e.reason || ''));
      // The patient's own words sit under the session they wrote them about.
      return e.note
        ? [row, h('tr', { class: 'note-row' }, h('td', { colspan: 6 }, h('span', { class: 'note-label' }, 'Patient’s note'), h('q', { class: 'session-note' }, e.note)))]
        : row;
    }))));

  view.append(
    h('header', { class: 'page-head' },
      h('a', { class: 'back-link', href: '/clinician', 'data-link': true }, icon('back'), 'Patients'),
      h('h1', { id: 'patient-name' }, p.user?.name || profile.name || 'Patient'),
      h('p', { class: 'muted patient-meta' }, h('span', { class: 'email' }, p.user?.email || ''), ' ', h('span', { class: `mini-badge tier-${today.tier || p.screening?.tier}` }, tierLabel(today.tier || p.screening?.tier)),
        profile.age ? ` · ${profile.age} y` : '', profile.knee && profile.knee !== 'none' ? ` · ${String(profile.knee).replace(/_/g, ' ')}` : ''),
      p.screening?.clearance_self_attested ? h('p', { class: 'callout warn small', id: 'patient-self-attested' }, 'Clearance self-attested by the patient: no clinician has confirmed it in retrowalk. Record your own clearance to confirm it and choose the tier.') : null,
      (p.flags || summary?.flags || []).length ? flagChips(p.flags || summary.flags) : null),
    h('div', { class: 'grid2' },
      h('section', { class: 'card', id: 'patient-next' }, h('h2', { class: 'card-title' }, 'Next session'),
        status === 'active' && today.plan
          ? [h('p', { class: 'muted' }, fmtDate(today.next_date, { weekday: 'long', day: 'numeric', month: 'long' })), sessionFacts(today.plan, units)]
          : h('p', { class: 'muted' }, status === 'paused' ? pausedText : status === 'needs_clearance' ? 'Waiting for clearance.' : 'No programme yet.'),
        today.last_reason ? h('p', { class: 'reason' }, h('strong', {}, 'Last adaptation: '), today.last_reason) : null),
      h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Adherence this week'),
        h('div', { class: 'week-row' },
          planned
            ? h('p', { class: 'big-figure', id: 'patient-adherence' }, h('strong', {}, String(done)), h('span', {}, ` of ${planned}`))
            : h('p', { class: 'big-figure', id: 'patient-adherence' }, h('strong', {}, 'None planned')),
          h('div', { class: 'dots', 'aria-hidden': 'true' }, Array.from({ length: planned }, (_, i) => h('span', { class: i < done ? 'dot done' : 'dot' })))),
        h('p', { class: 'muted small', id: 'patient-adherence-text' }, weekText),
        h('p', { class: 'muted small' }, `${sessions.length} session${sessions.length === 1 ? '' : 's'} logged in all`,
          summary?.last_session ? ` · last on ${fmtDate(summary.last_session)}` : '', '.'),
        h('div', { class: 'in-force' },
          h('p', { class: 'field-label' }, 'Limits in force'),
          h('p', { id: 'caps-in-force' }, inForce.length ? inForce.join(' · ') : 'None beyond the tier’s own.')))),
    screeningCard(profile, p.screening),
    h('section', { class: 'card', id: 'caps-card' }, h('h2', { class: 'card-title' }, 'Limits'), capsForm),
    h('section', { class: 'card stack', id: 'programme-card' }, h('h2', { class: 'card-title' }, 'Programme'),
      h('div', { class: 'sub-section' }, tierForm),
      h('div', { class: 'sub-section' }, clearForm),
      h('div', { class: 'sub-section' }, pauseForm)),
    h('div', { class: 'charts' }, p.progress ? progressCharts(p.progress) : null),
    h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'History'), sessions.length ? history : h('p', { class: 'muted' }, 'No sessions logged yet.')),
    patientFiles(id, sessions.length > 0),
    h('section', { class: 'card', id: 'audit' }, h('h2', { class: 'card-title' }, 'Audit trail'),
      (p.audit || []).length
        ? auditList(p.audit)
        : h('p', { class: 'muted' }, 'No changes by anyone other than the patient yet.')),
  );
}

const KNEE = {
  none: 'No knee condition', osteoarthritis: 'Knee osteoarthritis', patellofemoral_pain: 'Patellofemoral pain',
  acl_reconstruction: 'ACL reconstruction', other_surgery: 'Other knee surgery',
};
const ACTIVITY = {
  inactive: 'Inactive: little or no planned exercise',
  some: 'Some exercise, under 30 min on 3 days a week',
  regular: 'Regular: 30 min or more on 3+ days a week, for 3 months',
};
const HEART = [
  ['heart_condition', 'Heart condition'], ['chest_pain', 'Chest pain (rest, daily life or activity)'],
  ['fainting', 'Fainting, blackout or dizzy loss of balance in the last 12 months'],
  ['high_blood_pressure', 'High blood pressure'], ['rate_limiting_medicine', 'Medicine that slows the heart (e.g. beta-blocker): effort guides intensity, not heart rate'],
];
const FLAGS = [
  ['poor_balance_or_falls', 'Poor balance or a fall in the last year'], ['vestibular_or_dizziness', 'Dizziness or an inner-ear problem'],
  ['neurological', 'Neurological condition'], ['vision_impairment', 'Impaired vision'],
];

function monthsAgo(m) {
  if (m == null) return 'date not given';
  return m >= 24 ? `${Math.floor(m / 12)} years${m % 12 ? ` ${m % 12} months` : ''} ago` : `${m} month${m === 1 ? '' : 's'} ago`;
}

// The patient's screening answers and the reasons they gave, with the rule behind each
// (docs/evidence.md) for the clinician (issue 12).
function screeningCard(profile, screening) {
  if (!profile || !profile.name) return null;
  const yes = (answers, list) => list.filter(([k]) => answers && answers[k]).map(([, t]) => t);
  const heart = profile.heart ? (yes(profile.heart, HEART).join('; ') || 'No to every question') : 'Not answered yet (profile from before these questions)';
  const knee = [KNEE[profile.knee] || KNEE.none,
    ['acl_reconstruction', 'other_surgery'].includes(profile.knee) ? ` (operation ${monthsAgo(profile.knee_surgery_months)})` : '',
    `; pain today ${profile.knee_pain ?? 0}/10`].join('');
  const rows = [
    ['Knee', knee],
    ['Heart and circulation', heart],
    ['Activity now', ACTIVITY[profile.activity] || 'Not asked'],
    ['Balance and senses', yes(profile.flags, FLAGS).join('; ') || 'None reported'],
    ['3-m backward walk test', profile.backward_walk_test_s != null ? `${profile.backward_walk_test_s} s` : 'Not measured'],
  ];
  const reasons = (screening && screening.reasons) || [];
  return h('section', { class: 'card', id: 'patient-screening' }, h('h2', { class: 'card-title' }, 'Screening'),
    h('dl', { class: 'answers', id: 'screening-answers' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('h3', {}, 'Reasons'),
    reasons.length
      ? h('ul', { class: 'reasons', id: 'screening-reasons' }, reasons.map((r) => h('li', {},
        h('span', { class: `mini-badge tier-${r.tier}` }, tierLabel(r.tier)), h('span', {}, r.text), h('span', { class: 'rule' }, ruleId(r.rule)))))
      : h('p', { class: 'muted' }, 'Nothing in the answers calls for extra care.'));
}

// The patient's sessions as files for a spreadsheet or another app (not their backup:
// that is theirs to take and send).
function patientFiles(id, logged) {
  const base = `/api/patients/${encodeURIComponent(id)}/export`;
  const link = (file, title, sub, linkId) => h('li', {}, h('a', { href: `${base}/${file}`, download: '', class: 'export-link', id: linkId },
    icon('download'), h('span', {}, h('strong', {}, title), h('span', { class: 'muted small' }, sub))));
  return h('section', { class: 'card', id: 'patient-files' }, h('h2', { class: 'card-title' }, 'Files'),
    h('ul', { class: 'link-list' },
      logged ? link('session.fit', 'Last session (FIT)', 'With telemetry when the treadmill recorded it', 'pdl-fit') : null,
      logged ? link('session.tcx', 'Last session (TCX)', 'Training Center XML', 'pdl-tcx') : null,
      link('sessions.csv', 'Sessions (CSV)', 'One row per session', 'pdl-sessions-csv'),
      link('segments.csv', 'Segments (CSV)', 'Every segment, planned and done', 'pdl-segments-csv'),
      link('programme.ics', 'Programme (.ics)', 'The next 8 weeks as a calendar file', 'pdl-ics')));
}
