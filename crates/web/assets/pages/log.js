// After a session: how it went, then the adapted next session and the reason for it.
import { get, post } from '../api.js';
import { h, icon, scale, scaleValue, check, segmented, radioValue, field, clear } from '../dom.js';
import { fmtDate, fmtMinutes } from '../units.js';
import { OUTCOME, sessionFacts, statusOf } from './home.js';
import { forgetRun } from '../saved-run.js';
import { enqueue, isOffline } from '../outbox.js';

const EFFORT_WORDS = ['Rest', 'Very, very easy', 'Easy', 'Moderate', 'Somewhat hard', 'Hard', 'Hard', 'Very hard', 'Very hard', 'Very, very hard', 'Maximal'];
const STOPS = [['', 'It went to the end'], ['dizziness', 'Dizziness'], ['pain', 'Knee pain'], ['discomfort', 'Discomfort'], ['slip_or_near_fall', 'Slip or near-fall'], ['fall', 'A fall'], ['other', 'Something else']];

// One key per log form: if the answer to a save is lost (a dropped connection, a second
// tap) and it is sent again, the server recognises the key and never counts the walk twice.
function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; a phone on the LAN over plain HTTP has only this.
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export async function render(view, ctx) {
  const q = ctx.query;
  const idempotencyKey = newKey();
  let date = q.get('date');
  let planned = null;
  // The engine's pain limit (ADA-04), sent with the plan so the form says the number the
  // rule and the session's cues use.
  let painMax = null;
  const t = await get('/api/today');
  // A session walked ahead of its planned day is logged on the day it was walked.
  if (!date || date > t.date) date = t.date;
  try {
    const p = await get(`/api/plan/${date}`);
    planned = (p.plan || p).load || null;
    painMax = p.plan?.pain_accepted_max ?? null;
  } catch { planned = null; }
  painMax ??= t.plan?.pain_accepted_max ?? null;
  const backward = q.has('backward_s') ? Number(q.get('backward_s')) : planned ? planned.backward_s : 0;
  const stopped = q.get('stopped') || '';
  const runId = q.get('run');

  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const effortWord = h('span', { class: 'effort-word', id: 'effort-word' }, '');
  const minutes = h('input', { id: 'backward_min', type: 'number', inputmode: 'decimal', min: 0, max: 120, step: '0.5', value: String(Math.round(backward / 30) / 2) });
  const stopSel = h('select', { id: 'stopped_early' }, STOPS.map(([v, t]) => h('option', { value: v, selected: v === stopped }, t)));
  const submit = h('button', { class: 'btn btn-primary btn-lg btn-block', type: 'submit', id: 'save-log' }, 'Save and see my next session');
  const form = h('form', { class: 'stack', novalidate: true },
    h('section', { class: 'card stack' },
      h('h2', { class: 'card-title' }, 'The session'),
      h('div', { class: 'row2' },
        field('Backward minutes', minutes, planned ? `Planned: ${fmtMinutes(planned.backward_s)}` : null),
        field('Did it end early?', stopSel)),
      stopped ? h('p', { class: 'pill-note' }, icon('alert'), 'You pressed STOP. That is the right call whenever something feels wrong.') : null,
      // The server adds what was typed on the STOP sheet to these notes (runs carry it).
      stopped && runId ? h('p', { class: 'muted small', id: 'stop-note-kept' }, 'Anything you typed when you stopped is kept with this log for your clinician.') : null),
    h('section', { class: 'card stack' },
      h('h2', { class: 'card-title' }, 'Effort'),
      Object.assign(scale('effort', 'How hard was it? (0–10)', null, ['rest', 'maximal']), { className: 'scale scale-effort' }),
      effortWord),
    h('section', { class: 'card stack' },
      h('h2', { class: 'card-title' }, 'Knee pain'),
      painMax === null ? null : h('p', { class: 'muted', id: 'pain-guide' },
        `0 to 2 is fine. Up to ${painMax}/10 during the walk is acceptable if it settles by the next morning and is no worse than your usual knee pain; the plan moves on only then. Above ${painMax}/10, or sharp pain: stop, and choose “Knee pain” above.`),
      scale('pain_before', 'Before the session', 0),
      scale('pain_during', 'During', 0),
      scale('pain_after', 'Right after', 0)),
    h('section', { class: 'card stack' },
      h('h2', { class: 'card-title' }, 'Safety'),
      h('div', { class: 'checklist' },
        check('dizziness', 'I felt dizzy or light-headed', stopped === 'dizziness'),
        check('near_fall', 'I slipped or nearly fell', stopped === 'slip_or_near_fall'),
        check('fall', 'I fell', stopped === 'fall')),
      segmented('rails_used', 'How did you use the rails?', [['none', 'Hands free'], ['light', 'Light grip'], ['full', 'Firm grip']], planned?.rails || 'light')),
    h('section', { class: 'card stack' },
      field('Notes (optional)', h('textarea', { id: 'notes', rows: 3, maxlength: 1000, placeholder: 'Anything your clinician should know' }))),
    err, submit);
  form.addEventListener('change', (e) => {
    if (e.target.name === 'effort') effortWord.textContent = EFFORT_WORDS[Number(e.target.value)] || '';
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const effort = scaleValue(form, 'effort');
    if (effort === null) { err.textContent = 'Choose how hard it felt, from 0 to 10.'; err.hidden = false; form.querySelector('#effort-scale').scrollIntoView({ block: 'center' }); return; }
    const mins = Number(minutes.value);
    if (!Number.isFinite(mins) || mins < 0 || mins > 120) { err.textContent = 'Backward minutes must be between 0 and 120.'; err.hidden = false; return; }
    const $ = (id) => form.querySelector(`#${id}`);
    const body = {
      date,
      backward_min: mins,
      effort,
      pain_before: scaleValue(form, 'pain_before') ?? 0,
      pain_during: scaleValue(form, 'pain_during') ?? 0,
      pain_after: scaleValue(form, 'pain_after') ?? 0,
      dizziness: $('dizziness').checked,
      near_fall: $('near_fall').checked,
      fall: $('fall').checked,
      rails: radioValue(form, 'rails_used') || 'light',
      stopped_early: stopSel.value || null,
      notes: $('notes').value.trim() || null,
      run_id: runId || null,
      idempotency_key: idempotencyKey,
    };
    submit.disabled = true;
    try {
      const r = await post('/api/log', body);
      forgetRun();
      let today = null;
      try { today = await get('/api/today'); } catch { today = null; }
      clear(view);
      view.append(result(r, today, ctx));
      window.scrollTo(0, 0);
    } catch (ex) {
      if (isOffline(ex) && enqueue(ctx.me.id, 'log', '/api/log', body)) {
        forgetRun();
        clear(view);
        view.append(queuedResult());
        window.scrollTo(0, 0);
        return;
      }
      err.textContent = ex.message;
      err.hidden = false;
      submit.disabled = false;
    }
  });

  view.append(
    h('header', { class: 'page-head' },
      h('p', { class: 'eyebrow' }, `Session · ${fmtDate(date)}`),
      h('h1', {}, 'How did it go?'),
      h('p', { class: 'lede' }, 'Your answers shape the next session. Be honest about pain and dizziness: that is what keeps the plan safe.')),
    form);
}

/** Saved with no connection: kept on this phone and sent by the app when it can. */
function queuedResult() {
  return h('div', { class: 'stack', id: 'log-queued' },
    h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Saved on this phone'), h('h1', {}, 'Your log will be sent when the connection returns')),
    h('section', { class: 'card' },
      h('p', { class: 'reason' }, 'There is no connection to the retrowalk server just now. Your answers are kept on this phone and sent once, by themselves, as soon as it is back; your next session is adapted then.'),
      h('p', { class: 'muted' }, 'Keep retrowalk open or open it again later; you do not need to log this session again.')),
    h('a', { class: 'btn btn-block', href: '/', 'data-link': true, id: 'done-home' }, 'Back to home'));
}

function result(r, today, ctx) {
  const d = (r && r.decision) || {};
  const sentence = d.sentence || r?.sentence || r?.reason || today?.last_reason || '';
  const [label, tone] = OUTCOME[d.outcome] || ['Next session', 'neutral'];
  const units = today?.units || ctx.me.units;
  const active = today && statusOf(today) === 'active' && today.plan;
  return h('div', { class: 'stack', id: 'log-result' },
    h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Logged'), h('h1', {}, 'Thank you. Here is what changes.')),
    h('section', { class: 'card decision-card' },
      h('span', { class: `outcome outcome-${tone}`, id: 'decision-outcome' }, label),
      h('p', { class: 'reason big', id: 'decision-reason' }, sentence)),
    active
      ? h('section', { class: 'card hero-card', id: 'next-session' },
        h('div', { class: 'hero-top' }, h('p', { class: 'eyebrow light' }, 'Your next session'), h('p', { class: 'hero-date', id: 'next-date' }, fmtDate(today.next_date, { weekday: 'long', day: 'numeric', month: 'long' }))),
        sessionFacts(today.plan, units))
      : today && statusOf(today) === 'paused'
        ? h('section', { class: 'card callout warn', id: 'paused' }, h('h2', {}, 'Your programme is paused'), h('p', {}, `Paused ${today.status.reason || ''}.`))
        : null,
    h('a', { class: 'btn btn-block', href: '/', 'data-link': true, id: 'done-home' }, 'Back to home'));
}
