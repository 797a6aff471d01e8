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

export function say(text, { interrupt = false } = {}) {
  if (!supported() || isMuted() || !text) return;
  try {
    if (interrupt) window.speechSynthesis.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.rate = 0.95;
    u.lang = 'en-GB';
    window.speechSynthesis.speak(u);
  } catch { /* speech is a help, never a requirement */ }
}

export function cancel() {
  if (!supported()) return;
  try { window.speechSynthesis.cancel(); } catch { /* nothing to stop */ }
}
