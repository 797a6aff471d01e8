// The session runner: the safety checklist, then one big timer per segment with spoken
// cues, live treadmill figures, and a STOP button that always works.
import { get, post, ApiError } from '../api.js';
import { h, icon, check, segmented, radioValue, clear } from '../dom.js';
import { fmtSpeed, fmtIncline, fmtClock, fmtDistance, fmtMinutes, fmtMinShort, fmtRailsShort, fmtDate } from '../units.js';
import { positionAt, cuesBetween, backwardSecondsAt, totalSeconds } from '../timeline.js';
import { posture, turning } from '../illustrations.js';
import * as speech from '../speech.js';
import { keepAwake } from '../wakelock.js';
import { bluetoothPicker } from './bluetooth-picker.js';
import { saveRun, savedRun } from '../saved-run.js';

// What to do when retrowalk cannot (or cannot be known to) stop the belt.
const CONSOLE_STOP = "step onto the side rails and press the console's stop or pull the safety key";
const STEP_OFF_TITLE = "Step onto the side rails, then press the console's stop or pull the safety key.";

export const STOP_REASONS = [
  // [runs API reason, session-log stop reason, label]
  ['dizziness', 'dizziness', 'Dizziness'],
  ['pain', 'pain', 'Knee pain'],
  ['discomfort', 'discomfort', 'Discomfort'],
  ['slip', 'slip_or_near_fall', 'Slip or near-fall'],
  ['other', 'other', 'Something else'],
];

export async function render(view, ctx) {
  let date = ctx.query.get('date');
  if (!date) {
    const t = await get('/api/today');
    date = t.next_date || t.date;
  }
  const got = await get(`/api/plan/${date}`);
  let plan = got.plan || got;
  const units = ctx.me.units || 'mph';

  const run = {
    phase: 'checklist', id: null, treadmill: 'none', startedAt: 0, accumulated: 0, lastT: -1,
    device: null, hrStrap: null, reconnect: false,
    timers: [], es: null, wake: null, hbFails: 0, telemetry: null, savedAt: 0,
  };
  // The server drives the belt (and streams its figures) for these.
  const linked = () => run.treadmill === 'sim' || run.treadmill === 'bluetooth';
  const elapsed = () => run.accumulated + (run.phase === 'running' ? (Date.now() - run.startedAt) / 1000 : 0);

  // ---------- checklist ----------
  const items = (plan.checklist || []).map((c) => check(`chk-${c.id}`, c.text, false, { 'data-check': c.id }));
  const startBtn = h('button', { class: 'btn btn-accent btn-lg btn-block', id: 'start', disabled: true, type: 'button' }, icon('play'), 'Start');
  const startErr = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const tmForm = h('form', { class: 'treadmill-choice' }, segmented('treadmill', 'Treadmill', [['none', 'No treadmill link'], ['sim', 'Simulated treadmill'], ['bluetooth', 'Bluetooth treadmill']], 'none'));
  const bt = bluetoothPicker();
  tmForm.addEventListener('change', () => bt.show(radioValue(tmForm, 'treadmill') === 'bluetooth'));
  const checklist = h('section', { class: 'run-checklist', id: 'checklist' },
    h('header', { class: 'page-head' },
      h('a', { class: 'back-link', href: '/', 'data-link': true }, icon('back'), 'Home'),
      h('p', { class: 'eyebrow' }, `Session · ${fmtDate(date)}`),
      h('h1', {}, 'Before you step on'),
      h('p', { class: 'lede' }, 'Tick each item once it is true. The timer starts only when all are ticked.')),
    h('section', { class: 'card summary-strip' },
      h('div', {}, h('span', { class: 'k' }, 'Backward'), h('strong', {}, fmtMinShort(plan.load?.backward_s))),
      h('div', {}, h('span', { class: 'k' }, 'Speed'), h('strong', { id: 'plan-speed' }, fmtSpeed(plan.load?.speed, units))),
      h('div', {}, h('span', { class: 'k' }, 'Incline'), h('strong', {}, fmtIncline(plan.load?.incline))),
      h('div', {}, h('span', { class: 'k' }, 'Total'), h('strong', {}, `${Math.round(totalSeconds(plan.segments) / 60)} min`))),
    // A medicine that slows the heart: effort, not heart rate, guides this session (SCR-16).
    got.heart_rate?.by_effort ? h('section', { class: 'card callout', id: 'effort-guide' }, h('p', {}, got.heart_rate.text)) : null,
    h('section', { class: 'card' }, h('div', { class: 'checklist' }, items)),
    h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'How to stand'), posture()),
    h('section', { class: 'card' }, tmForm, bt.panel,
      h('p', { class: 'muted small' }, 'Without a treadmill link you set speed and incline on the console yourself; retrowalk times the segments and tells you the targets.')),
    startErr,
    h('div', { class: 'sticky-cta' }, startBtn, h('p', { class: 'muted small center', id: 'start-hint' }, `${items.length} items to tick`)),
  );
  const updateStart = () => {
    const boxes = [...checklist.querySelectorAll('input[data-check]')];
    const left = boxes.filter((b) => !b.checked).length;
    startBtn.disabled = left > 0;
    checklist.querySelector('#start-hint').textContent = left ? `${left} item${left === 1 ? '' : 's'} left to tick` : 'Ready when you are';
  };
  checklist.addEventListener('change', updateStart);

  // ---------- running ----------
  const el = {};
  const mk = (k, tag, attrs, ...c) => (el[k] = h(tag, attrs, ...c));
  const muteBtn = h('button', { class: 'icon-btn', id: 'mute', type: 'button', 'aria-pressed': String(speech.isMuted()) });
  const setMuteIcon = () => {
    clear(muteBtn);
    const m = speech.isMuted();
    muteBtn.append(icon(m ? 'mute' : 'speaker'), h('span', {}, m ? 'Muted' : 'Voice on'));
    muteBtn.setAttribute('aria-pressed', String(m));
  };
  setMuteIcon();
  muteBtn.addEventListener('click', () => { speech.setMuted(!speech.isMuted()); setMuteIcon(); });
  const pauseBtn = h('button', { class: 'icon-btn', id: 'pause', type: 'button' }, icon('pause'), 'Pause');
  const stopBtn = h('button', { class: 'stop-btn', id: 'stop', type: 'button', 'aria-label': 'Stop the session now' }, 'STOP');
  const live = h('section', { class: 'live', id: 'live', hidden: true },
    tile('Belt', mk('liveSpeed', 'strong', { id: 'live-speed' }, '—')),
    tile('Incline', mk('liveIncline', 'strong', { id: 'live-incline' }, '—')),
    tile('Distance', mk('liveDist', 'strong', { id: 'live-distance' }, '—')),
    tile('Heart', mk('liveHr', 'strong', { id: 'live-hr' }, '—')));
  const noTm = h('p', { class: 'no-treadmill', id: 'no-treadmill', hidden: true }, icon('alert'), 'No treadmill link: set the speed and incline on the console yourself.');
  const runner = h('section', { class: 'runner', id: 'runner', hidden: true },
    h('div', { class: 'runner-top' },
      mk('segLabel', 'h1', { class: 'seg-label', id: 'segment-label' }, ''),
      h('span', { class: 'paused-chip' }, 'PAUSED'),
      mk('segCount', 'span', { class: 'seg-count' }, '')),
    mk('timer', 'div', { class: 'timer', id: 'timer', role: 'timer', 'aria-live': 'off' }, '0:00'),
    mk('nextLine', 'p', { class: 'next-seg', id: 'next-segment' }, ''),
    h('div', { class: 'targets' },
      tile('Speed', mk('tSpeed', 'strong', { id: 'target-speed' }, '')),
      tile('Incline', mk('tIncline', 'strong', { id: 'target-incline' }, '')),
      tile('Rails', mk('tRails', 'strong', { id: 'target-rails' }, ''))),
    mk('caption', 'p', { class: 'caption', id: 'cue', 'aria-live': 'polite' }, ''),
    mk('turnFig', 'div', { class: 'turn-help', hidden: true }, turning()),
    live, noTm,
    h('div', { class: 'progress-wrap' },
      h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Whole session', 'aria-valuemin': '0', 'aria-valuemax': '100' }, mk('bar', 'span', {})),
      h('div', { class: 'progress-legend' }, mk('elapsedText', 'span', { id: 'elapsed' }, '0:00'), mk('totalText', 'span', {}, fmtClock(totalSeconds(plan.segments))))),
    h('div', { class: 'runner-actions' }, muteBtn, pauseBtn),
    mk('warn', 'p', { class: 'run-warn', role: 'alert', hidden: true }, ''),
    stopBtn,
  );

  // ---------- stop reason sheet ----------
  const note = h('textarea', { id: 'stop-note', rows: 2, maxlength: 500, placeholder: 'Anything to add (optional)' });
  const sheet = h('div', { class: 'sheet-backdrop', id: 'stop-sheet', hidden: true, role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'stop-title' },
    h('div', { class: 'sheet' },
      h('p', { class: 'eyebrow danger' }, 'Session stopped'),
      mk('sheetTitle', 'h2', { id: 'stop-title' }, ''),
      mk('sheetMsg', 'p', { class: 'muted', id: 'stop-detail', hidden: true }, ''),
      h('p', { class: 'sheet-question' }, 'What made you stop?'),
      h('div', { class: 'reason-grid' }, STOP_REASONS.map(([api, , label]) => h('button', { class: 'btn btn-reason', type: 'button', 'data-reason': api }, label))),
      note));

  const done = h('section', { class: 'card done-card', id: 'done', hidden: true });

  view.append(checklist, runner, sheet, done);
  updateStart();

  // Back after a reload: straight to the runner where the timer was, paused, because the
  // person may be on a belt and must not be sent through the checklist again. Without a
  // treadmill link the belt is the console's and kept moving; a linked belt was stopped by
  // the server when the page went, and starts again only when the person taps Reconnect.
  const saved = ctx.query.get('resume') === '1' ? savedRun(ctx.me.id) : null;
  if (saved && saved.date === date && !saved.finished && !saved.stopped) {
    const wasLinked = saved.treadmill === 'sim' || saved.treadmill === 'bluetooth';
    run.treadmill = wasLinked ? saved.treadmill : 'none';
    run.device = saved.device || null;
    run.hrStrap = saved.hr_strap || null;
    run.id = wasLinked ? null : (saved.runId || null);
    run.reconnect = wasLinked;
    if (wasLinked && saved.runId) {
      // Make sure the old run's belt is stopped now, not when its heartbeat times out.
      post(`/api/runs/${saved.runId}/stop`, { reason: 'other', note: 'page reloaded mid-session' }).catch(() => {});
    }
    run.accumulated = Number(saved.t) || 0;
    run.lastT = run.accumulated;
    checklist.hidden = true;
    runner.hidden = false;
    live.hidden = true;
    noTm.hidden = wasLinked;
    document.body.classList.add('running');
    run.phase = 'paused';
    runner.classList.add('paused');
    if (wasLinked) {
      clear(pauseBtn).append(icon('play'), 'Reconnect and start belt');
      el.warn.textContent = 'The treadmill stopped when the page closed. Stand safely, then tap “Reconnect and start belt”: the belt starts again at this segment’s speed, and not before.';
      el.warn.dataset.kind = 'reconnect';
    } else {
      clear(pauseBtn).append(icon('play'), 'Resume');
      el.warn.textContent = 'Timer paused where you left it: press Resume to carry on. The belt keeps moving until you stop it on the console.';
      el.warn.dataset.kind = 'pause';
    }
    el.warn.hidden = false;
    show(run.accumulated);
    run.wake = keepAwake();
    run.timers.push(setInterval(tick, 250));
    run.timers.push(setInterval(heartbeat, 1000));
    if (run.id) {
      // The run may have been closed meanwhile (left the screen, another tab): time it here.
      post(`/api/runs/${run.id}/heartbeat`).catch((ex) => { if (ex instanceof ApiError && (ex.status === 409 || ex.status === 404)) run.id = null; });
    }
  }

  // "1.0 mph" shows as a big number with a small unit; the element's text stays "1.0 mph".
  function setValue(node, text) {
    const m = /^(-?[\d.]+)(%?)\s*(.*)$/.exec(text);
    if (!m) { node.textContent = text; return; }
    node.replaceChildren(m[1] + m[2], m[3] ? h('small', {}, ` ${m[3]}`) : '');
  }

  function tile(label, value) {
    return h('div', { class: 'tile' }, h('span', { class: 'k' }, label), value);
  }

  function show(t) {
    const pos = positionAt(plan.segments, t);
    if (!pos.segment) return pos;
    el.segLabel.textContent = pos.segment.label;
    el.segCount.textContent = `${pos.index + 1}/${plan.segments.length}`;
    el.timer.textContent = fmtClock(pos.remaining);
    el.nextLine.textContent = pos.next ? `Next: ${pos.next.label} · ${fmtClock(pos.next.duration_s)}` : 'Next: done';
    setValue(el.tSpeed, pos.segment.speed > 0 ? fmtSpeed(pos.segment.speed, units) : 'Stopped');
    el.tIncline.textContent = fmtIncline(pos.segment.incline);
    el.tRails.textContent = fmtRailsShort(pos.segment.rails);
    runner.dataset.kind = pos.segment.kind;
    el.turnFig.hidden = pos.segment.kind !== 'turn';
    const pct = Math.round(pos.fraction * 1000) / 10;
    el.bar.style.width = `${pct}%`;
    el.bar.parentElement.setAttribute('aria-valuenow', String(Math.round(pct)));
    el.elapsedText.textContent = fmtClock(t);
    return pos;
  }

  // Kept in this browser while the session is on, so a reload can pick it up from Home.
  function persist(extra = {}) {
    const t = extra.finished ? totalSeconds(plan.segments) : elapsed();
    const pos = positionAt(plan.segments, t);
    run.savedAt = Date.now();
    saveRun({
      user: ctx.me.id, date, runId: run.id, treadmill: run.treadmill, device: run.device || undefined, hr_strap: run.hrStrap || undefined, t,
      backward_s: backwardSecondsAt(plan.segments, t), segment: pos.segment?.label || '', ...extra,
    });
  }

  function tick() {
    if (run.phase !== 'running') return;
    const t = elapsed();
    if (Date.now() - run.savedAt >= 1000) persist();
    const cues = cuesBetween(plan.segments, run.lastT, t);
    run.lastT = t;
    if (cues.length) {
      // After a long gap (a sleeping tab) only the latest cue is worth saying.
      const c = cues[cues.length - 1];
      el.caption.textContent = c.text;
      speech.say(c.text, { interrupt: c.kind === 'segment_start' || c.kind === 'safety' });
    }
    const pos = show(t);
    if (pos.done) finish();
  }

  async function heartbeat() {
    if (!run.id || (run.phase !== 'running' && run.phase !== 'paused')) return;
    try {
      await post(`/api/runs/${run.id}/heartbeat`);
      run.hbFails = 0;
      if (el.warn.dataset.kind === 'hb') { el.warn.hidden = true; el.warn.dataset.kind = ''; }
    } catch (ex) {
      // The run was closed on the server (left the screen, another tab); without a treadmill
      // link there is nothing to keep alive, so the timer goes on here.
      if (!linked() && ex instanceof ApiError && ex.status === 409) { run.id = null; return; }
      run.hbFails += 1;
      if (run.hbFails >= 3 && el.warn.dataset.kind !== 'hb-stopped') {
        // Only the server can stop a linked belt, and from here nobody can tell whether it
        // did yet: say what it will do and what the person can do meanwhile.
        el.warn.textContent = linked()
          ? `Connection to the app lost. The server stops the belt when it hears nothing from this screen for a few seconds; if the belt keeps moving, ${CONSOLE_STOP}.`
          : `Connection to the app lost. The timer goes on here; retrowalk has no link to this belt, so ${CONSOLE_STOP} to stop it.`;
        el.warn.dataset.kind = 'hb';
        el.warn.hidden = false;
      }
    }
  }

  function openLive() {
    if (!linked() || !run.id || typeof EventSource !== 'function') return;
    const es = new EventSource(`/api/runs/${run.id}/live`);
    run.es = es;
    es.addEventListener('telemetry', (e) => {
      let d;
      try { d = JSON.parse(e.data); } catch { return; }
      run.telemetry = d;
      setValue(el.liveSpeed, fmtSpeed(d.speed_kmh, units));
      setValue(el.liveIncline, fmtIncline(d.incline_pct));
      setValue(el.liveDist, fmtDistance(d.distance_m, units));
      setValue(el.liveHr, d.hr_bpm ? `${d.hr_bpm} bpm` : '—');
    });
    es.onerror = () => {
      // A refused stream (no treadmill link on this server) is not retried by the browser.
      if (es.readyState === EventSource.CLOSED && run.es === es) {
        run.es = null;
        live.hidden = true;
        noTm.hidden = false;
        noTm.lastChild.textContent = 'The treadmill link is not available: set the speed and incline on the console yourself.';
      }
    };
    es.addEventListener('warning', (e) => {
      let d = {};
      try { d = JSON.parse(e.data); } catch { return; }
      if (!d.message || el.warn.dataset.kind === 'hb' || el.warn.dataset.kind === 'hb-stopped') return;
      el.warn.textContent = `Treadmill: ${d.message}`;
      el.warn.dataset.kind = 'tm';
      el.warn.hidden = false;
    });
    es.addEventListener('stopped', (e) => {
      let d = {};
      try { d = JSON.parse(e.data); } catch { /* reason unknown */ }
      if (run.phase !== 'running' && run.phase !== 'paused') return;
      // The belt reached the end of the plan: that is the session done, not a stop.
      if (d.reason === 'completed') { finish(); return; }
      treadmillStopped(d);
    });
  }

  function stopTimers() {
    run.timers.forEach((id) => clearInterval(id));
    run.timers = [];
    if (run.es) { run.es.close(); run.es = null; }
    if (run.wake) { run.wake.release(); run.wake = null; }
  }

  async function begin() {
    startErr.hidden = true;
    startBtn.disabled = true;
    run.treadmill = radioValue(tmForm, 'treadmill') || 'none';
    const body = { date, treadmill: run.treadmill };
    if (run.treadmill === 'bluetooth') {
      const picked = bt.selection();
      if (!picked) {
        startErr.textContent = 'Choose a Bluetooth treadmill from the list first, or run the session without a treadmill link.';
        startErr.hidden = false;
        updateStart();
        return;
      }
      Object.assign(body, picked);
      run.device = picked.device || null;
      run.hrStrap = picked.hr_strap || null;
      checklist.querySelector('#start-hint').textContent = `Connecting to ${picked.device}…`;
    }
    try {
      const r = await post('/api/runs', body);
      run.id = r && (r.run_id ?? r.id);
      if (r && r.plan && Array.isArray(r.plan.segments)) plan = r.plan;
    } catch (ex) {
      if (!(ex instanceof ApiError && ex.status === 404 && /not found/i.test(ex.message))) {
        startErr.textContent = ex.message;
        startErr.hidden = false;
        updateStart();
        return;
      }
      run.id = null; // The server has no runner endpoints: time the session locally.
    }
    checklist.hidden = true;
    runner.hidden = false;
    window.scrollTo(0, 0);
    document.body.classList.add('running');
    live.hidden = !linked();
    noTm.hidden = linked();
    run.phase = 'running';
    run.startedAt = Date.now();
    run.lastT = -1;
    run.wake = keepAwake();
    run.timers.push(setInterval(tick, 250));
    run.timers.push(setInterval(heartbeat, 1000));
    heartbeat();
    openLive();
    tick();
  }
  startBtn.addEventListener('click', begin);

  pauseBtn.addEventListener('click', async () => {
    if (run.phase === 'running') {
      run.accumulated = elapsed();
      run.phase = 'paused';
      persist();
      runner.classList.add('paused');
      clear(pauseBtn).append(icon('play'), 'Resume');
      if (linked() && run.id) {
        speech.say('Paused. The belt is stopping. Hold the rails.', { interrupt: true });
        post(`/api/runs/${run.id}/pause`).catch(() => {});
      } else {
        // The timer is all that pauses: the belt is the console's.
        speech.say('Timer paused. The belt keeps moving: stop it on the console.', { interrupt: true });
        if (run.id) post(`/api/runs/${run.id}/pause`).catch(() => {});
        if (!el.warn.dataset.kind) {
          el.warn.textContent = 'Timer paused. The belt keeps moving until you stop it on the console.';
          el.warn.dataset.kind = 'pause';
          el.warn.hidden = false;
        }
      }
    } else if (run.phase === 'paused' && run.reconnect) {
      await reconnect();
    } else if (run.phase === 'paused') {
      run.startedAt = Date.now();
      run.phase = 'running';
      runner.classList.remove('paused');
      clear(pauseBtn).append(icon('pause'), 'Pause');
      if (el.warn.dataset.kind === 'pause') { el.warn.hidden = true; el.warn.dataset.kind = ''; }
      if (run.id) post(`/api/runs/${run.id}/resume`).catch(() => {});
    }
  });

  // After a reload: a new run on the same treadmill for the rest of the plan, started by
  // the person's tap (the belt was stopped when the page went).
  async function reconnect() {
    pauseBtn.disabled = true;
    el.warn.textContent = 'Reconnecting to the treadmill…';
    const body = { date, treadmill: run.treadmill, from_s: Math.floor(run.accumulated) };
    if (run.treadmill === 'bluetooth') {
      if (run.device) body.device = run.device;
      if (run.hrStrap) body.hr_strap = run.hrStrap;
    }
    try {
      const r = await post('/api/runs', body);
      if (run.phase !== 'paused') return; // STOP was pressed meanwhile.
      run.id = r && (r.run_id ?? r.id);
      run.reconnect = false;
      live.hidden = false;
      noTm.hidden = true;
      run.startedAt = Date.now();
      run.phase = 'running';
      runner.classList.remove('paused');
      clear(pauseBtn).append(icon('pause'), 'Pause');
      el.warn.hidden = true;
      el.warn.dataset.kind = '';
      persist();
      heartbeat();
      openLive();
    } catch (ex) {
      el.warn.textContent = `Could not reconnect to the treadmill: ${ex.message} The belt stays stopped. Try again, or STOP and log what you walked.`;
    } finally {
      pauseBtn.disabled = false;
    }
  }

  function sheetSays(title, message) {
    el.sheetTitle.textContent = title;
    el.sheetMsg.textContent = message || '';
    el.sheetMsg.hidden = !message;
  }

  // STOP first stops everything it can at once (timer, voice, belt), then asks why. What
  // it says about the belt is only what is known: without a link the belt is the console's,
  // and a linked belt is "stopping" only once the server has taken the stop.
  function halt({ belt = 'person', title, message } = {}) {
    if (run.phase !== 'running' && run.phase !== 'paused') return false;
    run.accumulated = elapsed();
    persist({ stopped: 'other' });
    run.phase = 'stopping';
    stopTimers();
    speech.cancel();
    if (belt === 'person' && run.reconnect) {
      sheetSays('Session stopped', 'The belt was already stopped when the page closed, and retrowalk has not started it again.');
    } else if (belt === 'person' && linked() && run.id) {
      sheetSays('Stopping the belt…', 'Hold the rails.');
      post(`/api/runs/${run.id}/pause`).then(
        () => { if (run.phase === 'stopping') sheetSays('The belt is stopping. Hold the rails until it stands still.'); },
        () => {
          if (run.phase === 'stopping') sheetSays(STEP_OFF_TITLE, 'retrowalk could not reach the treadmill, so it has not stopped the belt.');
        });
    } else if (belt === 'person') {
      if (run.id) post(`/api/runs/${run.id}/pause`).catch(() => {});
      sheetSays(STEP_OFF_TITLE, 'The belt is not stopped by retrowalk: without a treadmill link it keeps moving until you stop it.');
    } else {
      sheetSays(title, message);
    }
    sheet.hidden = false;
    document.body.classList.remove('running');
    sheet.querySelector('button')?.focus();
    return true;
  }
  stopBtn.addEventListener('click', () => halt());

  // The treadmill ended the run by itself; `confirmed` is whether the belt said it stopped.
  function treadmillStopped(d) {
    const why = d.reason === 'heartbeat_lost'
      ? 'Connection to the app lost'
      : `The treadmill stopped (${String(d.reason || 'no reason given').replace(/_/g, ' ')})`;
    const shown = d.confirmed
      ? halt({ belt: 'stopped', title: 'The belt has stopped. Step off carefully.', message: `${why}, belt stopped.` })
      : halt({ belt: 'unknown', title: STEP_OFF_TITLE, message: `${why}; the treadmill did not confirm that its belt stopped.` });
    if (shown && d.reason === 'heartbeat_lost' && d.confirmed) {
      el.warn.textContent = 'Connection to the app lost, belt stopped.';
      el.warn.dataset.kind = 'hb-stopped';
      el.warn.hidden = false;
    }
  }
  const onKey = (e) => { if (e.key === 'Escape' && (run.phase === 'running' || run.phase === 'paused')) halt(); };
  document.addEventListener('keydown', onKey);

  sheet.addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-reason]');
    if (!b || run.phase !== 'stopping') return;
    const apiReason = b.dataset.reason;
    const logReason = STOP_REASONS.find((r) => r[0] === apiReason)?.[1] || 'other';
    sheet.querySelectorAll('button').forEach((x) => { x.disabled = true; });
    persist({ stopped: logReason });
    run.phase = 'stopped';
    const t = run.accumulated;
    if (run.id) {
      try {
        await post(`/api/runs/${run.id}/stop`, { reason: apiReason, note: note.value.trim() || undefined });
      } catch (ex) {
        ctx.toast(`The stop could not be sent (${ex.message}); it is still logged with your session.`, 'warn');
      }
    }
    ctx.navigate(logUrl(t, logReason));
  });

  function logUrl(t, reason) {
    const q = new URLSearchParams({ date, backward_s: String(backwardSecondsAt(plan.segments, t)) });
    if (run.id) q.set('run', String(run.id));
    if (reason) q.set('stopped', reason);
    return `/log?${q}`;
  }

  function finish() {
    persist({ finished: true });
    run.phase = 'finished';
    stopTimers();
    document.body.classList.remove('running');
    speech.say('Session complete. Step off carefully, facing forward. Well done.', { interrupt: true });
    if (run.id) post(`/api/runs/${run.id}/stop`, { reason: 'finished' }).catch(() => {});
    runner.hidden = true;
    done.hidden = false;
    clear(done).append(
      h('div', { class: 'done-mark' }, icon('check')),
      h('h1', {}, 'Session complete'),
      h('p', { class: 'lede' }, `${fmtMinutes(plan.load?.backward_s)} of backward walking. Step off carefully, facing forward.`),
      h('a', { class: 'btn btn-primary btn-lg btn-block', href: logUrl(totalSeconds(plan.segments), null), 'data-link': true, id: 'to-log' }, 'Log how it went'));
  }

  const beforeUnload = (e) => {
    if (run.phase === 'running' || run.phase === 'paused') {
      // The very second the page goes, not the last once-a-second save.
      persist();
      e.preventDefault();
      e.returnValue = '';
    }
  };
  window.addEventListener('beforeunload', beforeUnload);

  return () => {
    // Leaving the runner mid-session stops the belt: nobody is watching the timer any more.
    if ((run.phase === 'running' || run.phase === 'paused' || run.phase === 'stopping') && run.id) {
      post(`/api/runs/${run.id}/stop`, { reason: 'other', note: 'left the session screen' }).catch(() => {});
    }
    stopTimers();
    speech.cancel();
    document.body.classList.remove('running');
    document.removeEventListener('keydown', onKey);
    window.removeEventListener('beforeunload', beforeUnload);
  };
}
