// The coming weeks as a calendar, with the sessions listed beneath for small screens.
import { get } from '../api.js';
import { h } from '../dom.js';
import { fmtSpeed, fmtIncline, fmtMinutes, fmtDate, mondayOf, addDays, unitLabel } from '../units.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export async function render(view, ctx) {
  // ?date= moves "today" (the API's own test hook), as on Home.
  const day = /^\d{4}-\d{2}-\d{2}$/.test(ctx.query?.get('date') || '') ? `date=${ctx.query.get('date')}` : '';
  const today = await get(`/api/today${day ? `?${day}` : ''}`);
  const plan = await get(`/api/plan?weeks=6${day ? `&${day}` : ''}`);
  const units = today.units || ctx.me.units;
  const byDate = new Map((plan || []).map((u) => [u.date, u]));
  const start = mondayOf(today.date);
  const last = plan && plan.length ? plan[plan.length - 1].date : addDays(start, 27);
  const weeks = [];
  for (let w = start; w <= last; w = addDays(w, 7)) weeks.push(w);

  const headed = new Set();
  const cal = h('div', { class: 'calendar', role: 'table', 'aria-label': 'Programme calendar' },
    h('div', { class: 'cal-row cal-head', role: 'row' }, WEEKDAYS.map((d) => h('span', { role: 'columnheader' }, d))),
    weeks.map((w) => {
      const days = Array.from({ length: 7 }, (_, k) => addDays(w, k));
      const label = monthHeading(days, headed);
      return [
        label ? h('div', { class: 'cal-month', role: 'row' }, h('span', { role: 'rowheader', 'aria-colspan': '7' }, label)) : null,
        h('div', { class: 'cal-row', role: 'row', 'aria-label': `Week of ${fmtDate(w)}` }, days.map((d) => {
          const u = byDate.get(d);
          const cls = ['cal-cell', u ? 'has-session' : '', d === today.date ? 'is-today' : '', d < today.date ? 'past' : ''].join(' ');
          return h('div', { class: cls, role: 'cell', 'data-date': d, title: u ? `${fmtDate(d)}: ${fmtMinutes(u.load.backward_s)} backward at ${fmtSpeed(u.load.speed, units)}` : fmtDate(d) },
            // The 1st names its month: a week may hold the end of one month and the start of the next.
            h('span', { class: 'cal-day' }, d.endsWith('-01') ? fmtDate(d, { weekday: undefined, day: 'numeric', month: 'short' }) : String(Number(d.slice(8)))),
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

/**
 * The heading above a calendar week: every month (with its year) that the week shows for the
 * first time, so the first week of "28 Dec – 3 Jan" reads "December 2026 – January 2027" and
 * no month or year goes unnamed. `headed` holds the months already named.
 */
export function monthHeading(days, headed) {
  const fresh = [];
  for (const d of days) {
    const key = d.slice(0, 7);
    if (!headed.has(key)) { headed.add(key); fresh.push(d); }
  }
  return fresh.map((d) => fmtDate(d, { weekday: undefined, day: undefined, month: 'long', year: 'numeric' })).join(' – ');
}
