// Keeps the screen on while a session runs, where the browser supports the Wake Lock API;
// the lock is dropped by the browser when the tab is hidden, so it is taken again on return.
export function keepAwake() {
  let lock = null;
  let wanted = true;
  const take = async () => {
    if (!wanted || !('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
    try { lock = await navigator.wakeLock.request('screen'); } catch { lock = null; }
  };
  const onVis = () => { if (document.visibilityState === 'visible') take(); };
  document.addEventListener('visibilitychange', onVis);
  take();
  return {
    get supported() { return 'wakeLock' in navigator; },
    release() {
      wanted = false;
      document.removeEventListener('visibilitychange', onVis);
      if (lock) lock.release().catch(() => {});
      lock = null;
    },
  };
}
