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
    sessions.length ? sessionFiles(sessions) : null,
  );
}

// Each logged session as a file for Garmin Connect, Strava or TrainingPeaks.
function sessionFiles(sessions) {
  const latest = [...sessions].reverse();
  return h('section', { class: 'card', id: 'session-files' }, h('h2', { class: 'card-title' }, 'Your sessions as files'),
    h('p', { class: 'muted' }, 'For Garmin Connect, Strava or TrainingPeaks. Everything at once is under Settings → Export my data.'),
    h('ul', { class: 'link-list' }, latest.map((s) => h('li', { class: 'session-file' },
      h('span', {}, h('strong', {}, s.date), ` · ${Math.round(s.backward_min)} min backward`),
      h('span', { class: 'file-links' },
        h('a', { href: `/api/export/session.fit?date=${s.date}`, download: '', 'data-fit': s.date }, 'FIT'),
        h('a', { href: `/api/export/session.tcx?date=${s.date}`, download: '', 'data-tcx': s.date }, 'TCX'))))));
}

function stat(k, v) {
  return h('div', { class: 'stat card' }, h('span', { class: 'k' }, k), h('strong', {}, v));
}
