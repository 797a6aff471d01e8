// Home: the next session, this week, the last adaptation and why, the morning knee check
// when due, and changes a clinician made.
import { get, post } from '../api.js';
import { h, icon, scale, scaleValue } from '../dom.js';
import { fmtSpeed, fmtIncline, fmtMinShort, fmtDate, fmtRails, tierLabel, fmtClock } from '../units.js';
import { totalSeconds } from '../timeline.js';
import { savedRun, forgetRun, logHref } from '../saved-run.js';
import { enqueue, isOffline, pending } from '../outbox.js';

export const OUTCOME = {
  progress: ['Progress', 'good'],
  hold: ['Hold', 'neutral'],
  step_back: ['Step back', 'warn'],
  paused: ['Paused', 'warn'],
  resumed: ['Resumed', 'good'],
};

/** Shown wherever a self-attested clearance is (SCR-14). */
export const SELF_ATTESTED = 'Clearance self-attested: you told retrowalk a doctor or physical therapist cleared you; no clinician has confirmed it here, so sessions stay supervised.';

export function statusOf(today) {
  const s = today && today.status;
  if (!s) return 'no_profile';
  return typeof s === 'string' ? s : s.status;
}

export function sessionFacts(plan, units) {
  const load = plan.load || {};
  const bouts = (plan.segments || []).filter((s) => s.kind === 'backward').length;
  return h('dl', { class: 'facts' },
    fact('Backward', fmtMinShort(load.backward_s), bouts > 1 ? `in ${bouts} bouts` : 'in one bout', 'fact-backward'),
    fact('Speed', fmtSpeed(load.speed, units), 'walking backward', 'fact-speed'),
    fact('Incline', fmtIncline(load.incline), load.incline > 0 ? 'after you are steady' : 'flat', 'fact-incline'),
    fact('Session', `${Math.round(totalSeconds(plan.segments) / 60)} min`, `≈ ${Math.round(plan.energy?.kcal || 0)} kcal`, 'fact-total'),
  );
}

function fact(label, value, sub, id) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', { id }, value), h('dd', { class: 'fact-sub' }, sub));
}

// "done of planned" counts planned sessions only, so it never reads "1 of 0" or "2 of 1";
// walks beside the plan (PRG-08) are said apart.
export function weekCounts(a) {
  const planned = Math.max(0, Number(a?.planned) || 0);
  const done = Math.min(planned, Math.max(0, Number(a?.done) || 0));
  const extra = Math.max(0, Number(a?.extra) || 0);
  const extraText = extra ? `${extra} extra walk${extra === 1 ? '' : 's'} beside the plan.` : '';
  const text = planned === 0
    ? ['No sessions planned this week.', extraText].filter(Boolean).join(' ')
    : [done >= planned ? 'All planned sessions done. Well walked.' : `${planned - done} session${planned - done === 1 ? '' : 's'} to go.`, extraText].filter(Boolean).join(' ');
  return { done, planned, extra, text };
}

function adherence(a) {
  const { done, planned, text } = weekCounts(a);
  return h('section', { class: 'card week-card' },
    h('h2', { class: 'card-title' }, 'This week'),
    h('div', { class: 'week-row' },
      planned
        ? h('p', { class: 'big-figure', id: 'adherence' }, h('strong', {}, String(done)), h('span', {}, ` of ${planned}`))
        : h('p', { class: 'big-figure', id: 'adherence' }, h('strong', {}, 'None planned')),
      h('div', { class: 'dots', 'aria-hidden': 'true' }, Array.from({ length: planned }, (_, i) => h('span', { class: i < done ? 'dot done' : 'dot' })))),
    h('p', { class: 'muted', id: 'adherence-text' }, text),
  );
}

export async function render(view, ctx) {
  // ?date= moves "today" (the API's own test hook), e.g. to see the next-morning check.
  const day = /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get('date') || '') ? `?date=${ctx.query.get('date')}` : '';
  const today = await get(`/api/today${day}`);
  let audit = [];
  try { audit = await get('/api/audit'); } catch { audit = []; }
  const units = today.units || ctx.me.units || 'mph';
  const status = statusOf(today);
  if (status === 'no_profile' && !today.tier) {
    ctx.navigate('/onboarding', { replace: true });
    return;
  }
  const first = (ctx.me.name || '').split(' ')[0];
  const blocks = [];
  blocks.push(h('header', { class: 'page-head' },
    h('p', { class: 'eyebrow' }, fmtDate(today.date, { weekday: 'long', day: 'numeric', month: 'long' })),
    h('h1', {}, first ? `Hello, ${first}` : 'Hello'),
    today.tier ? h('p', { class: 'muted' }, 'Tier: ', h('span', { class: `mini-badge tier-${today.tier}` }, tierLabel(today.tier))) : null,
    today.clearance_self_attested ? h('p', { class: 'muted small', id: 'self-attested' }, SELF_ATTESTED) : null));

  const waiting = pending(ctx.me.id);
  if (waiting.length) blocks.push(outboxCard(waiting));
  const left = savedRun(ctx.me.id);
  if (left) blocks.push(leftSessionCard(left));
  const morningQueued = waiting.some((i) => i.path === '/api/morning' && i.body.date === today.morning_check_due);
  if (today.morning_check_due && !morningQueued) blocks.push(morningCard(today.morning_check_due, ctx));

  if (status === 'active' && today.plan) {
    const isToday = today.next_date === today.date;
    blocks.push(h('section', { class: 'card hero-card', id: 'next-session' },
      h('div', { class: 'hero-top' },
        h('p', { class: 'eyebrow light' }, isToday ? 'Today’s session' : 'Next session'),
        h('p', { class: 'hero-date', id: 'next-date' }, isToday ? 'Today' : fmtDate(today.next_date, { weekday: 'long', day: 'numeric', month: 'long' }))),
      sessionFacts(today.plan, units),
      h('p', { class: 'hero-rails' }, fmtRails(today.plan.load?.rails)),
      today.adjustment ? h('p', { class: 'adjust' }, icon('alert'), today.adjustment) : null,
      today.caps_text ? h('p', { class: 'hero-caps', id: 'caps-text' }, icon('shield'), `Clinician’s limits: ${today.caps_text}`) : null,
      h('a', { class: 'btn btn-accent btn-lg btn-block', href: `/run?date=${today.next_date}`, 'data-link': true, id: 'start-session' }, icon('play'), isToday ? 'Start session' : 'Preview and start'),
    ));
  } else if (status === 'paused') {
    blocks.push(h('section', { class: 'card callout warn', id: 'paused' }, h('h2', {}, 'Your programme is paused'),
      h('p', {}, `Paused ${today.status.reason || ''}.`), h('p', { class: 'muted' }, 'Your clinician can resume it, or contact them if you are unsure.'),
      today.caps_text ? h('p', { class: 'muted small', id: 'caps-text' }, `Clinician’s limits: ${today.caps_text}`) : null));
  } else if (status === 'needs_clearance') {
    blocks.push(h('section', { class: 'card callout warn', id: 'needs-clearance' }, h('h2', {}, 'Waiting for clearance'),
      h('p', {}, 'A physical therapist or doctor needs to clear you before your programme starts.'),
      h('a', { class: 'btn', href: '/settings', 'data-link': true }, 'Enter a clinician’s invite code')));
  }

  // What the screening found, as the person reads it (issue 12).
  const screening = await get('/api/screening').catch(() => null);
  if (screening && (screening.reasons || []).length) blocks.push(screeningCard(screening, status === 'needs_clearance'));

  const grid = [];
  grid.push(adherence(today.adherence));
  grid.push(h('section', { class: 'card', id: 'last-adaptation' },
    h('h2', { class: 'card-title' }, 'Last adaptation'),
    today.last_decision
      ? [h('span', { class: `outcome outcome-${OUTCOME[today.last_decision.outcome]?.[1] || 'neutral'}` }, OUTCOME[today.last_decision.outcome]?.[0] || today.last_decision.outcome),
        h('p', { class: 'reason', id: 'last-reason' }, today.last_reason || '')]
      : h('p', { class: 'muted' }, 'After each session retrowalk adapts the next one and tells you why here.')));
  blocks.push(h('div', { class: 'grid2' }, grid));

  if (audit && audit.length) {
    blocks.push(h('section', { class: 'card', id: 'clinician-changes' },
      h('h2', { class: 'card-title' }, 'Changes by your clinician'),
      auditList(audit.slice(0, 5))));
  }
  blocks.push(h('p', { class: 'notice' }, today.notice || ''));
  view.append(...blocks);
}

/** A session the page was closed or reloaded in the middle of: resume it, or log what was
 * walked, or let it go. */
function leftSessionCard(r) {
  const canResume = !r.finished && !r.stopped;
  const linked = r.treadmill === 'sim' || r.treadmill === 'bluetooth';
  const where = `at ${fmtClock(r.t)}${r.segment ? ` (${r.segment})` : ''}, ${fmtMinShort(r.backward_s)} backward`;
  const card = h('section', { class: 'card callout warn', id: 'left-session' },
    h('h2', {}, r.finished ? 'Your session is not logged yet' : 'You left a session'),
    h('p', {}, r.finished ? `${fmtDate(r.date)}: ${fmtMinShort(r.backward_s)} backward, to the end.` : `${fmtDate(r.date)}: left ${where}.`),
    canResume && linked
      ? h('p', { class: 'muted', id: 'left-linked' }, 'The treadmill link ended when the page closed, and retrowalk stopped the belt. Resume to reconnect where you left off: the belt starts again only when you tap “Reconnect and start belt”.')
      : null,
    h('div', { class: 'actions wrap' },
      canResume ? h('a', { class: 'btn btn-accent', href: `/run?date=${r.date}&resume=1`, 'data-link': true, id: 'resume-session' }, icon('play'), 'Resume the session') : null,
      h('a', { class: 'btn btn-primary', href: logHref(r), 'data-link': true, id: 'log-left-session' }, r.finished ? 'Log how it went' : 'Log the session you stopped'),
      h('button', { class: 'btn btn-ghost', type: 'button', id: 'forget-left-session', onclick: () => { forgetRun(); card.remove(); } }, 'Discard')));
  return card;
}

/** The screening's reasons in plain sentences (no rule ids: those are for the clinician). */
function screeningCard(s, open) {
  return h('section', { class: 'card', id: 'screening-reasons' },
    h('details', { open },
      h('summary', { class: 'card-title' }, 'Why you start this way'),
      h('ul', { class: 'reasons' }, s.reasons.map((r) => h('li', {},
        h('span', { class: `mini-badge tier-${r.tier}` }, tierLabel(r.tier)), h('span', {}, r.text)))),
      h('a', { class: 'btn btn-ghost', href: '/onboarding', 'data-link': true }, 'Update your answers')));
}

/** What was saved with no connection and is still to be sent. */
function outboxCard(items) {
  const n = (what) => items.filter((i) => i.what === what).length;
  const parts = [];
  if (n('log')) parts.push(n('log') === 1 ? '1 session log' : `${n('log')} session logs`);
  if (n('morning check')) parts.push(n('morning check') === 1 ? '1 morning check' : `${n('morning check')} morning checks`);
  return h('section', { class: 'card callout', id: 'outbox-pending' },
    h('h2', { class: 'card-title' }, 'Waiting for a connection'),
    h('p', {}, `${parts.join(' and ')} saved on this phone, to be sent when the connection returns.`));
}

/** Changes with who made them and when, and the note they gave (a pause reason…). */
export function auditList(entries) {
  return h('ul', { class: 'audit' }, entries.map((a) => h('li', {},
    h('strong', {}, a.what), h('span', { class: 'muted' }, ` · ${a.who} · ${fmtWhen(a.at)}`),
    a.note ? h('q', { class: 'audit-note' }, a.note) : null)));
}

export function fmtWhen(at) {
  const d = new Date(Number(at) * 1000);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

function morningCard(sessionDate, ctx) {
  const msg = h('p', { class: 'reason', hidden: true, id: 'morning-result' });
  const btn = h('button', { class: 'btn btn-primary', type: 'submit', id: 'morning-save' }, 'Save');
  const form = h('form', { class: 'stack' },
    scale('morning_pain', 'Knee pain this morning', null),
    h('div', { class: 'actions' }, btn), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const pain = scaleValue(form, 'morning_pain');
    if (pain === null) { ctx.toast('Choose a number from 0 to 10.', 'warn'); return; }
    btn.disabled = true;
    try {
      const r = await post('/api/morning', { date: sessionDate, pain });
      const sentence = r && (r.sentence || r.reason || r.decision?.sentence);
      ctx.toast('Morning check saved.', 'good');
      if (sentence) { msg.textContent = sentence; msg.hidden = false; btn.hidden = true; }
      else ctx.navigate('/', { replace: true });
    } catch (ex) {
      if (isOffline(ex) && enqueue(ctx.me.id, 'morning check', '/api/morning', { date: sessionDate, pain })) {
        msg.textContent = 'Saved on this phone: it will be sent when the connection returns.';
        msg.hidden = false;
        btn.hidden = true;
        return;
      }
      ctx.toast(ex.message, 'bad');
      btn.disabled = false;
    }
  });
  return h('section', { class: 'card morning', id: 'morning-check' },
    h('h2', { class: 'card-title' }, 'Morning knee check'),
    h('p', { class: 'muted' }, `How does your knee feel the morning after your session on ${fmtDate(sessionDate)}?`),
    form);
}
