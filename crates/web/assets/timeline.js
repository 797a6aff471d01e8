// Where a session is at a given second: which segment, how long is left, which cues are
// due. Pure so it can be tested in node and driven by a fake clock in the browser.

export function totalSeconds(segments) {
  return (segments || []).reduce((a, s) => a + (Number(s.duration_s) || 0), 0);
}

export function segmentStarts(segments) {
  const out = [];
  let t = 0;
  for (const s of segments || []) {
    out.push(t);
    t += Number(s.duration_s) || 0;
  }
  return out;
}

/**
 * The state of the session `t` seconds after it started.
 * Returns {index, segment, next, inSegment, remaining, total, fraction, done}.
 */
export function positionAt(segments, t) {
  const segs = segments || [];
  const total = totalSeconds(segs);
  const clamped = Math.max(0, Math.min(Number(t) || 0, total));
  const starts = segmentStarts(segs);
  if (segs.length === 0 || clamped >= total) {
    return {
      index: segs.length,
      segment: null,
      next: null,
      inSegment: 0,
      remaining: 0,
      total,
      fraction: segs.length === 0 ? 0 : 1,
      done: true,
    };
  }
  let index = 0;
  for (let i = 0; i < segs.length; i++) {
    if (clamped >= starts[i]) index = i;
  }
  // Skip zero-length segments so the display never shows a segment with nothing left.
  while (index < segs.length - 1 && (Number(segs[index].duration_s) || 0) === 0) index++;
  const segment = segs[index];
  const inSegment = clamped - starts[index];
  return {
    index,
    segment,
    next: segs[index + 1] || null,
    inSegment,
    remaining: (Number(segment.duration_s) || 0) - inSegment,
    total,
    fraction: total > 0 ? clamped / total : 0,
    done: false,
  };
}

/** Backward-walking seconds completed by second `t` (what the log form pre-fills). */
export function backwardSecondsAt(segments, t) {
  let done = 0;
  let start = 0;
  for (const s of segments || []) {
    const d = Number(s.duration_s) || 0;
    if (s.kind === 'backward') {
      done += Math.max(0, Math.min(t - start, d));
    }
    start += d;
  }
  return Math.floor(done);
}

/**
 * Cues whose absolute time lies in (from, to]. Pass from = -1 at the start so cues at 0
 * are spoken. Each result is {at, text, kind, index}.
 */
export function cuesBetween(segments, from, to) {
  const out = [];
  const starts = segmentStarts(segments);
  (segments || []).forEach((s, index) => {
    for (const c of s.cues || []) {
      const at = starts[index] + (Number(c.at_s) || 0);
      if (at > from && at <= to) out.push({ at, text: c.text, kind: c.kind, index });
    }
  });
  return out.sort((a, b) => a.at - b.at);
}

/** The highest target speed the plan asks for, km/h (for the safety display and tests). */
export function maxSpeedKmh(segments) {
  return (segments || []).reduce((m, s) => Math.max(m, Number(s.speed) || 0), 0);
}

/** The backward segments' target speed, km/h (all bouts share the session's load). */
export function backwardSpeedKmh(plan) {
  if (plan && plan.load && Number.isFinite(Number(plan.load.speed))) return Number(plan.load.speed);
  const b = (plan?.segments || []).find((s) => s.kind === 'backward');
  return b ? Number(b.speed) : 0;
}
