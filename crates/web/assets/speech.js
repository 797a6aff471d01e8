// Spoken cues through the browser's speech synthesis, with a remembered mute switch.
const KEY = 'rw_muted';

export function supported() {
  return typeof window !== 'undefined' && 'speechSynthesis' in window && typeof SpeechSynthesisUtterance === 'function';
}

export function isMuted() {
  try { return localStorage.getItem(KEY) === '1'; } catch { return false; }
}

export function setMuted(m) {
  try { localStorage.setItem(KEY, m ? '1' : '0'); } catch { /* private mode: not remembered */ }
  if (m) cancel();
}

/** The voice's language: the browser's own where it is an English we speak (the cues are
 * written in English), so an American phone gets an American voice; otherwise British. */
export function voiceLang(browserLang) {
  const l = String(browserLang || '');
  return /^en(-[A-Za-z]{2,})?$/i.test(l) ? l : 'en-GB';
}

// Unit words by spelling: American English writes "kilometers".
const WORDS = {
  gb: { km: ['kilometre', 'kilometres'], kmh: 'kilometres per hour' },
  us: { km: ['kilometer', 'kilometers'], kmh: 'kilometers per hour' },
};

const plural = (n, one, many) => (Number(n) === 1 ? one : many);

/** A cue as it is said: units as words ("2.0 mph" → "2.0 miles per hour", "3 min 30 s" →
 * "3 minutes 30 seconds", a pain score "5/10" → "5 out of 10"), since speech engines read "km/h" letter by letter or as
 * "kilometres slash h", and "min" as the word "min". The text shown stays short. */
export function spokenText(text, lang = 'en-GB') {
  const w = /^en-US$/i.test(lang) ? WORDS.us : WORDS.gb;
  const num = '(\\d+(?:[.,]\\d+)?)';
  return String(text || '')
    .replace(new RegExp(`${num}\\s*km/h`, 'g'), (_, n) => `${n} ${w.kmh}`)
    .replace(new RegExp(`${num}\\s*mph\\b`, 'g'), (_, n) => `${n} miles per hour`)
    .replace(new RegExp(`${num}\\s*km\\b`, 'g'), (_, n) => `${n} ${plural(n, ...w.km)}`)
    .replace(new RegExp(`${num}\\s*mi\\b`, 'g'), (_, n) => `${n} ${plural(n, 'mile', 'miles')}`)
    .replace(new RegExp(`${num}\\s*kcal\\b`, 'g'), (_, n) => `${n} ${plural(n, 'kilocalorie', 'kilocalories')}`)
    .replace(new RegExp(`${num}\\s*%`, 'g'), (_, n) => `${n} percent`)
    .replace(/(\d+)\s*min\b/g, (_, n) => `${n} ${plural(n, 'minute', 'minutes')}`)
    .replace(/(\d+)\s*s\b/g, (_, n) => `${n} ${plural(n, 'second', 'seconds')}`)
    // A pain score: engines read "5/10" as a date or "five slash ten" (issue 12's cues).
    .replace(/(?<![\d/])(\d+)\/10(?![\d/])/g, (_, n) => `${n} out of 10`);
}

export function say(text, { interrupt = false } = {}) {
  if (!supported() || isMuted() || !text) return;
  try {
    if (interrupt) window.speechSynthesis.cancel();
    const lang = voiceLang(navigator.language);
    const u = new SpeechSynthesisUtterance(spokenText(text, lang));
    u.rate = 0.95;
    u.lang = lang;
    window.speechSynthesis.speak(u);
  } catch { /* speech is a help, never a requirement */ }
}

export function cancel() {
  if (!supported()) return;
  try { window.speechSynthesis.cancel(); } catch { /* nothing to stop */ }
}
