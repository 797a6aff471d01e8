// Progress charts with the figures in a table beneath each; shared by the person's
// progress page and the clinician's patient page.
import { h } from '../dom.js';
import { chart } from '../chart.js';
import { fmtDate, unitLabel } from '../units.js';

function table(headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'figures' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}

function panel(id, title, sub, svg, tbl) {
  return h('section', { class: 'card chart-card', id },
    h('div', { class: 'chart-head' }, h('h2', { class: 'card-title' }, title), sub ? h('span', { class: 'muted small' }, sub) : null),
    h('div', { class: 'chart-box', html: svg }),
    h('details', { class: 'figures-details' }, h('summary', {}, 'The figures'), tbl));
}

const n1 = (v) => (Math.round(v * 10) / 10).toFixed(1);

export function progressCharts(progress) {
  const units = progress.units;
  const weeks = progress.weeks || [];
  const sessions = progress.sessions || [];
  const wl = (w) => fmtDate(w.week_start, { weekday: undefined, day: 'numeric', month: 'short' });
  // An extra, off-plan walk (PRG-08) is shown as such: it counted, but changed no plan.
  const sl = (s) => fmtDate(s.date, { weekday: undefined, day: 'numeric', month: 'short' }) + (s.extra ? ' (extra)' : '');
  if (!sessions.length) {
    return [h('section', { class: 'card empty-state', id: 'no-progress' }, h('h2', {}, 'No sessions logged yet'), h('p', { class: 'muted' }, 'Charts appear here after the first logged session.'))];
  }
  return [
    panel('chart-minutes', 'Backward minutes per week', null,
      chart({ type: 'bar', title: 'Backward minutes per week', unit: 'min', points: weeks.map((w) => ({ label: wl(w), value: w.backward_min })) }),
      table(['Week of', 'Sessions', 'Backward min', 'Mean effort', 'Max pain'], weeks.map((w) => [wl(w), w.sessions, n1(w.backward_min), n1(w.mean_effort), w.max_pain]))),
    panel('chart-speed', 'Backward speed', unitLabel(units),
      chart({ type: 'line', title: `Speed (${unitLabel(units)})`, unit: unitLabel(units), points: sessions.map((s) => ({ label: sl(s), value: s.speed })) }),
      table(['Session', `Speed (${unitLabel(units)})`, 'Incline (%)', 'Backward min'], sessions.map((s) => [sl(s), n1(s.speed), n1(s.incline_pct), n1(s.backward_min)]))),
    panel('chart-incline', 'Incline', '%',
      chart({ type: 'line', title: 'Incline (%)', unit: '%', max: 3, points: sessions.map((s) => ({ label: sl(s), value: s.incline_pct })) }),
      table(['Session', 'Incline (%)'], sessions.map((s) => [sl(s), n1(s.incline_pct)]))),
    panel('chart-pain', 'Knee pain', '0–10, the higher of during and after',
      chart({ type: 'line', title: 'Knee pain (0–10)', unit: '/10', max: 10, points: sessions.map((s) => ({ label: sl(s), value: Math.max(s.pain_during, s.pain_after) })) }),
      table(['Session', 'During', 'After', 'Stopped early'], sessions.map((s) => [sl(s), s.pain_during, s.pain_after, s.stopped_early ? String(s.stopped_early).replace(/_/g, ' ') : '—']))),
    panel('chart-effort', 'Effort', 'CR10, 0–10',
      chart({ type: 'line', title: 'Effort (0–10)', unit: '/10', max: 10, points: sessions.map((s) => ({ label: sl(s), value: s.effort })) }),
      table(['Session', 'Effort'], sessions.map((s) => [sl(s), s.effort]))),
    panel('chart-energy', 'Energy per week', 'kcal, estimated',
      chart({ type: 'bar', title: 'Energy per week (kcal)', unit: 'kcal', points: weeks.map((w) => ({ label: wl(w), value: Math.round(w.kcal) })) }),
      table(['Week of', 'kcal'], weeks.map((w) => [wl(w), Math.round(w.kcal)]))),
  ];
}
