// The coming weeks as a calendar, with the sessions listed beneath for small screens.
import { get } from '../api.js';
import { h } from '../dom.js';
import { fmtSpeed, fmtIncline, fmtMinutes, fmtDate, mondayOf, addDays, unitLabel } from '../units.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export async function render(view, ctx) {
  const today = await get('/api/today');
  const plan = await get('/api/plan?weeks=6');
  const units = today.units || ctx.me.units;
  const byDate = new Map((plan || []).map((u) => [u.date, u]));
  const start = mondayOf(today.date);
  const last = plan && plan.length ? plan[plan.length - 1].date : addDays(start, 27);
  const weeks = [];
  for (let w = start; w <= last; w = addDays(w, 7)) weeks.push(w);

  const cal = h('div', { class: 'calendar', role: 'table', 'aria-label': 'Programme calendar' },
    h('div', { class: 'cal-row cal-head', role: 'row' }, WEEKDAYS.map((d) => h('span', { role: 'columnheader' }, d))),
    weeks.map((w, i) => {
      const days = Array.from({ length: 7 }, (_, k) => addDays(w, k));
      const first = days.find((d) => d.endsWith('-01'));
      // A month heading where a month begins, so each cell need only show its day number.
      const label = i === 0 ? w : first;
      return [
        label ? h('div', { class: 'cal-month', role: 'row' }, h('span', { role: 'rowheader', 'aria-colspan': '7' }, fmtDate(label, { weekday: undefined, day: undefined, month: 'long', year: 'numeric' }))) : null,
        h('div', { class: 'cal-row', role: 'row', 'aria-label': `Week of ${fmtDate(w)}` }, days.map((d) => {
          const u = byDate.get(d);
          const cls = ['cal-cell', u ? 'has-session' : '', d === today.date ? 'is-today' : '', d < today.date ? 'past' : ''].join(' ');
          return h('div', { class: cls, role: 'cell', 'data-date': d, title: u ? `${fmtDate(d)}: ${fmtMinutes(u.load.backward_s)} backward at ${fmtSpeed(u.load.speed, units)}` : fmtDate(d) },
            h('span', { class: 'cal-day' }, String(Number(d.slice(8)))),
            u ? h('span', { class: 'cal-sess' }, h('strong', {}, `${Math.round(u.load.backward_s / 60)}′`), h('span', {}, fmtSpeed(u.load.speed, units).split(' ')[0])) : null);
        })),
      ];
    }));

  const list = h('ol', { class: 'session-list', id: 'session-list' }, (plan || []).map((u) => h('li', {},
    h('span', { class: 'sl-date' }, fmtDate(u.date)),
    h('span', { class: 'sl-main' }, `${fmtMinutes(u.load.backward_s)} backward`, u.bouts > 1 ? ` · ${u.bouts} bouts` : ''),
    h('span', { class: 'sl-meta' }, `${fmtSpeed(u.load.speed, units)} · ${fmtIncline(u.load.incline)} · ${fmtMinutes(u.total_s)} in all · ≈${Math.round(u.kcal)} kcal`))));

  view.append(
    h('header', { class: 'page-head' },
      h('p', { class: 'eyebrow' }, 'Programme'),
      h('h1', {}, 'The coming weeks'),
      h('p', { class: 'lede' }, 'If every session goes as planned. Each log adapts what follows, so later weeks may change.')),
    h('section', { class: 'card' }, h('p', { class: 'muted small cal-legend' }, `Each session: backward minutes (′) and speed in ${unitLabel(units)}.`), cal),
    h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Sessions'), plan && plan.length ? list : h('p', { class: 'muted' }, 'No sessions planned: the programme may be paused or waiting for clearance.')),
  );
}
