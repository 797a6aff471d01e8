// The runner's "Bluetooth treadmill" choice: asks the server which treadmills and
// heart-rate straps are in range (GET /api/devices) and lets the person pick one of each.
// The server does the radio work; when it has no Bluetooth, its own sentence (how to
// build with Bluetooth) is shown as it is.
import { get, ApiError } from '../api.js';
import { h, clear, field } from '../dom.js';

const SCAN_SECONDS = 5;

export function bluetoothPicker() {
  const status = h('p', { class: 'muted small', id: 'bt-status', role: 'status', 'aria-live': 'polite' }, '');
  const error = h('p', { class: 'form-error', id: 'bt-error', role: 'alert', hidden: true });
  const device = h('select', { id: 'bt-device', name: 'bt-device' });
  const strap = h('select', { id: 'bt-strap', name: 'bt-strap' });
  const rescan = h('button', { class: 'btn btn-ghost', id: 'bt-scan', type: 'button' }, 'Search again');
  const choices = h('div', { class: 'bt-choices', hidden: true },
    field('Treadmill', device),
    field('Heart-rate strap', strap, 'Optional: its heart rate counts toward your cap, and losing it stops the belt.'));
  const panel = h('div', { class: 'bt-panel', id: 'bt-panel', hidden: true }, status, error, choices, rescan);

  let scanning = null;
  const label = (d) => (d.name ? `${d.name} (${d.address})` : d.address);
  const value = (d) => d.name || d.address;

  async function scan() {
    if (scanning) return scanning;
    error.hidden = true;
    choices.hidden = true;
    rescan.disabled = true;
    status.textContent = `Looking for Bluetooth treadmills and heart-rate straps for ${SCAN_SECONDS} seconds… wake the treadmill by pressing a key on its console.`;
    scanning = (async () => {
      try {
        const r = await get(`/api/devices?seconds=${SCAN_SECONDS}`);
        const list = (r && r.devices) || [];
        const treadmills = list.filter((d) => d.kind === 'treadmill');
        const straps = list.filter((d) => d.kind === 'heart_rate_strap');
        clear(device);
        clear(strap);
        treadmills.forEach((d) => device.append(h('option', { value: value(d) }, label(d))));
        strap.append(h('option', { value: '' }, 'No strap'));
        straps.forEach((d) => strap.append(h('option', { value: value(d) }, label(d))));
        if (!treadmills.length) {
          status.textContent = `No treadmill found in ${SCAN_SECONDS} seconds. Wake it (press a key on its console), close any other app connected to it, and search again.`;
        } else {
          status.textContent = `Found ${treadmills.length} treadmill${treadmills.length === 1 ? '' : 's'} and ${straps.length} heart-rate strap${straps.length === 1 ? '' : 's'}.`;
          choices.hidden = false;
        }
      } catch (ex) {
        status.textContent = '';
        error.textContent = ex instanceof ApiError ? ex.message : String(ex);
        error.hidden = false;
      } finally {
        rescan.disabled = false;
        scanning = null;
      }
    })();
    return scanning;
  }
  rescan.addEventListener('click', () => { scan(); });

  return {
    panel,
    /** Shows the panel (scanning the first time) or hides it. */
    show(on) {
      panel.hidden = !on;
      if (on && !device.options.length && !scanning && error.hidden) scan();
    },
    /** {device, hr_strap} for POST /api/runs, or null when no treadmill is picked. */
    selection() {
      if (choices.hidden || !device.value) return null;
      return { device: device.value, hr_strap: strap.value || undefined };
    },
  };
}
