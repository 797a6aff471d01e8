// A small SVG chart builder: bars or a line over labelled points, returned as a string of
// SVG markup (no DOM needed, so node tests it). Text is escaped; numbers are checked.

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

/** A round tick step giving at most about `count` intervals up to v: 1, 2 or 5 × 10^k. */
export function niceStep(v, count = 4) {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) return 0.25;
  const raw = x / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= raw - 1e-9) return m * p;
  }
  return 10 * p;
}

/** A round upper bound for an axis that covers v: 7 → 8, 23 → 25, 0 → 1. */
export function niceMax(v) {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) return 1;
  const step = niceStep(x);
  return Math.round(Math.ceil(x / step - 1e-9) * step * 1000) / 1000;
}

/** Tick values from 0 to max (inclusive) on round steps. */
export function ticks(max, count = 4) {
  const step = niceStep(max, count);
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

function fmt(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/**
 * chart({type: 'bar'|'line', points: [{label, value}], title, unit, max?, width?, height?})
 * → SVG markup. Points with a non-finite value are skipped (a gap in a line).
 */
export function chart(opts) {
  const type = opts.type === 'line' ? 'line' : 'bar';
  const points = (opts.points || []).map((p) => ({
    label: String(p.label ?? ''),
    value: Number.isFinite(Number(p.value)) && p.value !== null ? Number(p.value) : null,
  }));
  const W = opts.width || 440;
  const H = opts.height || 220;
  const pad = { l: 40, r: 10, t: 14, b: 30 };
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const values = points.map((p) => p.value).filter((v) => v !== null);
  const max = opts.max ?? niceMax(Math.max(0, ...values));
  const y = (v) => pad.t + ih - (Math.max(0, Math.min(v, max)) / max) * ih;
  const n = Math.max(points.length, 1);
  const step = iw / n;
  const cx = (i) => pad.l + step * i + step / 2;
  const title = esc(opts.title || '');
  const parts = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">`);
  if (title) parts.push(`<title>${title}</title>`);
  for (const t of ticks(max)) {
    const ty = y(t).toFixed(1);
    parts.push(`<line class="grid" x1="${pad.l}" x2="${W - pad.r}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text class="tick" x="${pad.l - 8}" y="${ty}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  if (values.length === 0) {
    parts.push(`<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">No data yet</text>`);
  }
  // Thin out x labels so they never collide on a phone.
  const every = Math.max(1, Math.ceil(points.length / 5));
  points.forEach((p, i) => {
    if (i % every === 0) {
      parts.push(`<text class="xlabel" x="${cx(i).toFixed(1)}" y="${H - 10}" text-anchor="middle">${esc(p.label)}</text>`);
    }
  });
  if (type === 'bar') {
    const bw = Math.max(2, Math.min(40, step * 0.62));
    points.forEach((p, i) => {
      if (p.value === null) return;
      const top = y(p.value);
      const h = pad.t + ih - top;
      parts.push(`<rect class="bar" x="${(cx(i) - bw / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" rx="4"><title>${esc(p.label)}: ${fmt(p.value)} ${esc(opts.unit || '')}</title></rect>`);
    });
  } else {
    let d = '';
    let pen = false;
    points.forEach((p, i) => {
      if (p.value === null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${cx(i).toFixed(1)} ${y(p.value).toFixed(1)} `;
      pen = true;
    });
    if (d) parts.push(`<path class="line" d="${d.trim()}"/>`);
    points.forEach((p, i) => {
      if (p.value === null) return;
      parts.push(`<circle class="dot" cx="${cx(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3.5"><title>${esc(p.label)}: ${fmt(p.value)} ${esc(opts.unit || '')}</title></circle>`);
    });
  }
  parts.push(`<line class="axis" x1="${pad.l}" x2="${W - pad.r}" y1="${pad.t + ih}" y2="${pad.t + ih}"/>`);
  parts.push('</svg>');
  return parts.join('');
}
