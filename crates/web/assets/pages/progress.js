// The person's progress: charts and the figures behind them.
import { get } from '../api.js';
import { h } from '../dom.js';
import { progressCharts } from './charts-view.js';

export async function render(view) {
  const progress = await get('/api/progress');
  const sessions = progress.sessions || [];
  const total = sessions.reduce((a, s) => a + s.backward_min, 0);
  const kcal = sessions.reduce((a, s) => a + s.kcal, 0);
  view.append(
    h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Progress'), h('h1', {}, 'How far you have come')),
    h('section', { class: 'stat-row' },
      stat('Sessions', String(sessions.length)),
      stat('Minutes', String(Math.round(total))),
      stat('Energy', [String(Math.round(kcal)), h('small', {}, ' kcal')])),
    h('div', { class: 'charts' }, progressCharts(progress)),
  );
}

function stat(k, v) {
  return h('div', { class: 'stat card' }, h('span', { class: 'k' }, k), h('strong', {}, v));
}
