// Unit conversion and formatting. The API speaks km/h, kg and percent; people see their own
// units (profile.units: "mph" | "kmh"). Pure functions so node can test them.

export const KMH_PER_MPH = 1.609344;
export const KG_PER_LB = 0.45359237;
const M_PER_MILE = 1609.344;

export function normUnits(u) {
  return u === 'kmh' ? 'kmh' : 'mph';
}

export function unitLabel(units) {
  return normUnits(units) === 'kmh' ? 'km/h' : 'mph';
}

/** km/h → the person's speed unit (unrounded). */
export function speedIn(kmh, units) {
  const v = Number(kmh) || 0;
  return normUnits(units) === 'kmh' ? v : v / KMH_PER_MPH;
}

/** A value in the person's units → km/h. */
export function speedToKmh(value, units) {
  const v = Number(value);
  if (!Number.isFinite(v)) return NaN;
  return normUnits(units) === 'kmh' ? v : v * KMH_PER_MPH;
}

/** One decimal, the way the engine's own sentences round (format!("{:.1}")). */
export function speedValue(kmh, units) {
  return round1(speedIn(kmh, units));
}

export function fmtSpeed(kmh, units) {
  return `${speedValue(kmh, units).toFixed(1)} ${unitLabel(units)}`;
}

export function fmtIncline(pct) {
  const v = Number(pct) || 0;
  return `${Number.isInteger(v) ? v : v.toFixed(1)}%`;
}

export function fmtDistance(metres, units) {
  const m = Number(metres) || 0;
  return normUnits(units) === 'kmh'
    ? `${(m / 1000).toFixed(2)} km`
    : `${(m / M_PER_MILE).toFixed(2)} mi`;
}

export function massToKg(value, unit) {
  const v = Number(value);
  if (!Number.isFinite(v)) return NaN;
  return unit === 'lb' ? v * KG_PER_LB : v;
}

export function round1(v) {
  return Math.round(v * 10) / 10;
}

/** 0 → "0:00", 75 → "1:15", 3600 → "60:00" (whole seconds, counting down displays). */
export function fmtClock(seconds) {
  const s = Math.max(0, Math.ceil(Number(seconds) || 0));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** 300 → "5 min", 210 → "3 min 30 s", 45 → "45 s". */
export function fmtMinutes(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m === 0) return `${r} s`;
  return r === 0 ? `${m} min` : `${m} min ${r} s`;
}

/** 300 → "5 min", 330 → "5:30 min": short enough for a tile on a phone. */
export function fmtMinShort(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} min`;
}

const RAILS_SHORT = { none: 'Hands free', light: 'Light grip', full: 'Firm grip' };

export function fmtRailsShort(r) {
  return RAILS_SHORT[r] || String(r || '');
}

const RAILS = {
  none: 'Hands free',
  light: 'Light grip on the rails',
  full: 'Firm grip on the rails',
};

export function fmtRails(r) {
  return RAILS[r] || String(r || '');
}

/** Engine rule ids serialize as "Scr01Neurological"; people read "SCR-01". */
export function ruleId(rule) {
  const m = /^([A-Z][a-z]+)(\d+)/.exec(String(rule || ''));
  return m ? `${m[1].toUpperCase()}-${m[2]}` : String(rule || '');
}

const TIERS = {
  standard: 'Standard',
  caution: 'Caution',
  supervised: 'Supervised',
  clearance_required: 'Clearance required',
};

export function tierLabel(t) {
  return TIERS[t] || String(t || '—');
}

/** "2026-11-24" → "Tue 24 Nov" without going through the local time zone. */
export function fmtDate(iso, opts = {}) {
  const d = parseDate(iso);
  if (!d) return String(iso || '');
  const o = { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC', ...opts };
  return new Intl.DateTimeFormat('en-GB', o).format(d);
}

export function parseDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
}

export function isoDate(d) {
  return d.toISOString().slice(0, 10);
}

export function addDays(iso, n) {
  const d = parseDate(iso);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDate(d);
}

/** Monday of the week holding `iso`. */
export function mondayOf(iso) {
  const d = parseDate(iso);
  const back = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - back);
  return isoDate(d);
}
