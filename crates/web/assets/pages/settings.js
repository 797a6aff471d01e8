// Settings: units, linking a clinician by invite code, exports, and the account.
import { get, post, put, sendFile, sendFiles } from '../api.js';
import { h, icon, segmented, radioValue, field, clear, inlineConfirm } from '../dom.js';
import { report, required, newPasswordProblem, sameProblem, showServerError, sentence, PASSWORD_MIN } from '../forms.js';

export async function render(view, ctx) {
  const walker = ctx.me.role === 'walker';
  const sections = [h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Settings'), h('h1', {}, 'Your settings'),
    h('p', { class: 'muted' }, `${ctx.me.name} · ${ctx.me.email}`))];

  if (walker && ctx.me.has_profile) {
    const form = h('form', { class: 'stack' }, segmented('units', 'Speeds and distances in', [['mph', 'mph and miles'], ['kmh', 'km/h and km']], ctx.me.units || 'mph'),
      h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'submit', id: 'save-units' }, 'Save units')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const profile = await get('/api/profile');
        profile.units = radioValue(form, 'units');
        await put('/api/profile', profile);
        await ctx.refreshMe();
        ctx.toast('Units saved.', 'good');
      } catch (ex) { ctx.toast(ex.message, 'bad'); }
    });
    sections.push(h('section', { class: 'card', id: 'units-card' }, h('h2', { class: 'card-title' }, 'Units'), form));
    sections.push(h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Screening'),
      h('p', { class: 'muted' }, 'Your knee, balance or health changed? Answer the questions again; your history is kept.'),
      h('a', { class: 'btn', href: '/onboarding', 'data-link': true }, 'Update my screening')));
  }

  if (walker) {
    sections.push(await clinicianCard(ctx));
    sections.push(exportCard(ctx), importCard(ctx));
  }

  if (ctx.me.admin) sections.push(await adminCard(ctx));

  const revoke = h('button', { class: 'btn btn-ghost', type: 'button', id: 'revoke-all' }, 'Sign out on every device');
  revoke.addEventListener('click', async () => {
    try { await post('/api/sessions/revoke-all'); } catch { /* signed out either way */ }
    ctx.signOut();
  });
  sections.push(passwordCard(ctx));
  sections.push(h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Account'),
    h('div', { class: 'actions wrap' },
      h('button', { class: 'btn', type: 'button', id: 'signout', onclick: () => ctx.signOut() }, icon('signout'), 'Sign out'), revoke)));
  view.append(...sections);
}


// Changing the password: checked here first (length, the two new ones equal), then by the
// server, whose answer lands under the field it names.
function passwordCard(ctx) {
  const current = h('input', { type: 'password', name: 'current', id: 'current-password', autocomplete: 'current-password', required: true });
  const fresh = h('input', { type: 'password', name: 'new', id: 'new-password', autocomplete: 'new-password', required: true, minlength: PASSWORD_MIN });
  const again = h('input', { type: 'password', name: 'new2', id: 'new-password2', autocomplete: 'new-password', required: true });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn btn-primary', type: 'submit', id: 'change-password' }, 'Change password');
  const form = h('form', { class: 'stack', novalidate: true, id: 'password-form' },
    field('Current password', current),
    field('New password', fresh, `At least ${PASSWORD_MIN} characters.`),
    field('New password again', again),
    err, h('div', { class: 'actions' }, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const ok = report(form, [
      [current, required(current.value, 'Enter your current password.')],
      [fresh, newPasswordProblem(fresh.value)],
      [again, fresh.value ? sameProblem(fresh.value, again.value) : ''],
    ]);
    if (!ok) return;
    save.disabled = true;
    try {
      await post('/api/password', { current: current.value, new: fresh.value });
      form.reset();
      ctx.toast('Password changed. Your other devices are signed out.', 'good');
    } catch (ex) {
      if (!showServerError(form, ex)) { err.textContent = sentence(ex.message); err.hidden = false; }
    } finally {
      save.disabled = false;
    }
  });
  return h('section', { class: 'card', id: 'password-card' }, h('h2', { class: 'card-title' }, 'Password'), form);
}

// "Export my data": every download, and the calendar feed link with a copy button.
function exportCard(ctx) {
  const feedUrl = h('input', { id: 'feed-url', type: 'text', readonly: true, class: 'mono', 'aria-label': 'Calendar feed link' });
  const copy = h('button', { class: 'btn', type: 'button', id: 'copy-feed' }, 'Copy');
  const feedRow = h('div', { class: 'feed-row', id: 'feed-row', hidden: true }, feedUrl, copy);
  const feedNote = h('p', { class: 'muted small', id: 'feed-status' }, 'Checking your calendar link…');
  const make = h('button', { class: 'btn btn-ghost', type: 'button', id: 'make-feed' }, icon('calendar'), 'Make a calendar link');
  get('/api/calendar/feed').then((s) => {
    feedNote.textContent = s.active
      ? 'You have a calendar link. Its address is shown only when it is made: make a new one to see it again (the old one then stops working).'
      : 'Subscribe from Google Calendar, Apple Calendar or Outlook and your sessions appear and update by themselves.';
    if (s.active) make.lastChild.textContent = 'Make a new link';
  }).catch(() => { feedNote.textContent = ''; });
  make.addEventListener('click', async () => {
    try {
      const r = await post('/api/calendar/feed');
      feedUrl.value = new URL(r.path, location.origin).href;
      feedRow.hidden = false;
      feedNote.textContent = 'Paste this address into your calendar app ("subscribe" or "from URL"). Anyone with it can see your planned sessions, so keep it to yourself; a new link replaces it.';
      make.lastChild.textContent = 'Make a new link';
    } catch (ex) { ctx.toast(ex.message, 'bad'); }
  });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(feedUrl.value);
    } catch {
      // No clipboard permission (or not https): select it for a manual copy.
      feedUrl.select();
      document.execCommand?.('copy');
    }
    ctx.toast('Calendar link copied.', 'good');
  });
  return h('section', { class: 'card', id: 'export-card' }, h('h2', { class: 'card-title' }, 'Export my data'),
    h('p', { class: 'muted' }, 'Download what retrowalk holds about your training, for a spreadsheet, another app or safekeeping.'),
    h('ul', { class: 'link-list' },
      exportLink('/api/export/session.fit', 'Last session (FIT)', 'Garmin Connect, Strava, TrainingPeaks', 'dl-fit'),
      exportLink('/api/export/session.tcx', 'Last session (TCX)', 'Training Center XML', 'dl-tcx'),
      exportLink('/api/export/sessions.csv', 'Sessions (CSV)', 'One row per session, for a spreadsheet', 'dl-sessions-csv'),
      exportLink('/api/export/segments.csv', 'Segments (CSV)', 'Every segment, planned and done', 'dl-segments-csv'),
      exportLink('/api/export/programme.ics', 'Programme (.ics)', 'The next 8 weeks as a calendar file', 'dl-ics'),
      exportLink('/api/export/backup.json', 'Full backup (JSON)', 'Everything, restorable below or with retrowalk restore', 'dl-backup')),
    restoreForm(ctx),
    h('h3', { class: 'card-subtitle' }, 'Calendar subscription'), feedNote, make, feedRow);
}

// "Restore from a backup": the file from "Full backup (JSON)" (this account's or another
// server's) becomes this account's data. It replaces everything, so it asks first, in the
// page, and says what came back or what is wrong with the file.
function restoreForm(ctx) {
  const file = h('input', { id: 'backup-file', type: 'file', accept: '.json,application/json' });
  const result = h('p', { id: 'restore-result', class: 'reason', hidden: true, 'aria-live': 'polite' });
  const start = h('button', { class: 'btn', type: 'submit', id: 'restore-backup' }, 'Restore…');
  const yes = h('button', { class: 'btn btn-primary', type: 'button', id: 'restore-yes' }, 'Replace my data');
  const no = h('button', { class: 'btn btn-ghost', type: 'button', id: 'restore-no' }, 'Cancel');
  const confirmBox = h('div', { class: 'stack', id: 'restore-confirm', role: 'alertdialog', 'aria-labelledby': 'restore-warning', hidden: true },
    h('p', { class: 'reason', id: 'restore-warning' }, 'This replaces your profile, programme, session history and treadmill runs with the backup\'s. What is here now is lost: download a full backup first if you may want it back.'),
    h('div', { class: 'actions' }, yes, no));
  const show = (text, ok) => { result.textContent = text; result.className = `reason ${ok ? 'ok' : 'error'}`; result.hidden = false; };
  const form = h('form', { class: 'stack', id: 'restore-form' },
    field('A backup file (retrowalk-backup.json)', file),
    h('div', { class: 'actions' }, start), confirmBox, result);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!file.files.length) { ctx.toast('Choose a backup file first.', 'warn'); return; }
    result.hidden = true;
    confirmBox.hidden = false;
    start.disabled = true;
  });
  no.addEventListener('click', () => { confirmBox.hidden = true; start.disabled = false; });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      const r = await sendFile('/api/import/backup?replace=true', file.files[0]);
      show(`Restored ${r.events} session${r.events === 1 ? '' : 's'} and change${r.events === 1 ? '' : 's'}, and ${r.runs} treadmill run${r.runs === 1 ? '' : 's'} (${r.samples} telemetry samples).`, true);
      file.value = '';
      await ctx.refreshMe();
    } catch (ex) {
      show(`Nothing was changed: ${ex.message}`, false);
    }
    yes.disabled = false;
    confirmBox.hidden = true;
    start.disabled = false;
  });
  return h('div', { id: 'restore-card' }, h('h3', { class: 'card-subtitle' }, 'Restore from a backup'), form);
}

// Activity import: every chosen file in one request, so the server folds the walks in the
// order they were walked whatever the files are called or the order they were picked in;
// each file then gets its own result line (an archive or a chained file, one per walk).
function importCard(ctx) {
  const files = h('input', { id: 'fit-files', type: 'file', multiple: true, accept: '.fit,.gz,.tcx,.gpx,.zip,application/vnd.ant.fit' });
  const score = (id, label) => field(label, h('input', { id, type: 'number', min: 0, max: 10, step: 1, required: true, inputmode: 'numeric' }));
  const bar = h('progress', { id: 'import-progress', max: 1, value: 0, hidden: true });
  const summary = h('p', { id: 'import-summary', class: 'reason', hidden: true, 'aria-live': 'polite' });
  const list = h('ul', { id: 'import-results', class: 'import-results' });
  const go = h('button', { class: 'btn btn-primary', type: 'submit', id: 'import-fit' }, 'Import');
  const form = h('form', { class: 'stack', id: 'import-form' },
    field('Activity files from a watch or treadmill app', files, 'FIT, TCX or GPX, or a ZIP such as Garmin’s export. Each walk becomes a logged session on the day it was walked; rides, runs and rows are left out.'),
    h('p', { class: 'muted small' }, 'A file cannot say how it felt: answer once for all the files (0 = none, 10 = worst).'),
    h('div', { class: 'score-grid' },
      score('imp-effort', 'Effort'), score('imp-pain-before', 'Knee pain before'),
      score('imp-pain-during', 'Worst pain during'), score('imp-pain-after', 'Knee pain after')),
    h('div', { class: 'actions' }, go), bar, summary, list);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = [...files.files];
    if (!chosen.length) { ctx.toast('Choose one or more activity files first.', 'warn'); return; }
    if (!form.reportValidity()) return;
    const q = new URLSearchParams({
      effort: form.querySelector('#imp-effort').value,
      pain_before: form.querySelector('#imp-pain-before').value,
      pain_during: form.querySelector('#imp-pain-during').value,
      pain_after: form.querySelector('#imp-pain-after').value,
      // Files without their own time zone were walked on this device's clock.
      utc_offset_min: String(-new Date().getTimezoneOffset()),
    });
    go.disabled = true;
    clear(list);
    bar.max = chosen.length;
    bar.value = 0;
    bar.hidden = false;
    summary.hidden = true;
    const items = chosen.map((file) => {
      const status = h('span', { class: 'muted small' }, 'importing…');
      const item = h('li', { 'data-file': file.name }, h('strong', {}, file.name), ' ', status);
      list.append(item);
      return { file, item, status };
    });
    let results = [];
    let failure = null;
    try {
      results = (await sendFiles(`/api/import/fit?${q}`, chosen)).files || [];
    } catch (ex) {
      // 422: nothing could be imported, and the answer still says why for each file.
      results = ex.data?.files || [];
      if (!results.length) failure = ex.message;
    }
    // The server names each walk by its file ("walk.fit"), an archive's member
    // ("export.zip/walk.fit") or a chained file's part ("walk.fit (activity 2 of 3)").
    const ofFile = (name) => results.filter((f) => f.name === name || f.name.startsWith(`${name}/`) || f.name.startsWith(`${name} (`));
    let ok = 0;
    for (const { file, item, status } of items) {
      const mine = ofFile(file.name);
      if (!mine.length) {
        status.textContent = failure || 'no result for this file';
        item.className = 'error';
        continue;
      }
      status.textContent = mine.map((f) => (f.ok
        ? `imported: ${f.date}, ${Math.round(f.backward_min)} min backward`
        : (mine.length > 1 || f.name !== file.name ? `${f.name}: ${f.error}` : f.error))).join('; ');
      const good = mine.filter((f) => f.ok).length;
      item.className = good === mine.length ? 'ok' : good ? 'warn' : 'error';
      if (good) ok += 1;
    }
    bar.value = chosen.length;
    summary.textContent = `Imported ${ok} of ${chosen.length} file${chosen.length === 1 ? '' : 's'}.`;
    summary.hidden = false;
    go.disabled = false;
    files.value = '';
  });
  return h('section', { class: 'card', id: 'import-card' }, h('h2', { class: 'card-title' }, 'Import FIT files'), form);
}

function exportLink(href, title, sub, id) {
  return h('li', {}, h('a', { href, download: '', class: 'export-link', id }, icon('download'), h('span', {}, h('strong', {}, title), h('span', { class: 'muted small' }, sub))));
}

/** Clinician accounts for a server administrator to approve or withdraw (issue 14). */
async function adminCard(ctx) {
  const list = await get('/api/admin/clinicians');
  const body = h('ul', { class: 'patient-list', id: 'admin-clinicians' });
  const draw = (rows) => body.replaceChildren(...rows.map((c) => {
    const action = c.approved ? 'revoke' : 'approve';
    const btn = h('button', { class: `btn ${c.approved ? '' : 'btn-primary'}`, type: 'button', 'data-approve': c.email }, c.approved ? 'Withdraw approval' : 'Approve');
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        await post(`/api/admin/clinicians/${c.id}/${action}`);
        draw(await get('/api/admin/clinicians'));
      } catch (ex) { ctx.toast(ex.message, 'bad'); btn.disabled = false; }
    });
    return h('li', { class: 'admin-row', 'data-clinician': c.email },
      h('strong', {}, c.name), ' ', h('span', { class: 'muted small' }, c.email, ' · ', c.approved ? 'approved' : 'waiting for approval'), ' ', btn);
  }));
  draw(list);
  return h('section', { class: 'card', id: 'admin-card' }, h('h2', { class: 'card-title' }, 'Clinician accounts'),
    h('p', { class: 'muted small' }, 'As this server\'s administrator you approve clinicians before they can see or change any patient.'), body);
}

// "Your clinician": who is linked (and can see and change my programme), unlinking one after
// a confirmation, the limits in force, and linking with a code (filled in when the person
// came from a clinician's QR code or link, /join?code=...).
async function clinicianCard(ctx) {
  let mine = { clinicians: [], caps_text: null };
  try { mine = await get('/api/clinicians'); } catch { /* shown as none linked */ }
  const listBox = h('div', { id: 'my-clinicians' });
  const limits = h('p', { class: 'muted small', id: 'my-limits' });
  const draw = (m) => {
    const list = m.clinicians || [];
    listBox.replaceChildren(list.length
      ? h('ul', { class: 'clinician-list' }, list.map((c) => {
        const extra = h('div');
        const li = h('li', { class: 'clinician-item', 'data-clinician': c.email },
          h('div', { class: 'invite-main' }, h('strong', {}, c.name), h('span', { class: 'muted small' }, c.email)),
          h('p', { class: 'muted small' }, 'Can see your sessions, set limits, pause or resume your programme and record clearance.'),
          h('div', { class: 'actions' }, h('button', { class: 'btn btn-small btn-ghost', type: 'button', 'data-action': 'unlink', onclick: () => {
            inlineConfirm(extra, `Unlink ${c.name}? They will no longer see your sessions or change your plan. Limits or a pause they set stay in force for your safety, until a clinician changes them.`, 'Unlink', async () => {
              try {
                const r = await post(`/api/clinicians/${encodeURIComponent(c.id)}/unlink`);
                result.textContent = r.message || `You are no longer linked to ${c.name}.`;
                result.hidden = false;
                draw(await get('/api/clinicians'));
              } catch (ex) { ctx.toast(ex.message, 'bad'); }
            });
          } }, 'Unlink')), extra);
        return li;
      }))
      : h('p', { class: 'muted', id: 'no-clinician' }, 'No clinician is linked to you.'));
    limits.textContent = m.caps_text ? `Limits in force on your programme: ${m.caps_text}.` : '';
    limits.hidden = !m.caps_text;
  };
  const result = h('p', { class: 'reason', id: 'unlink-result', role: 'status', hidden: true });

  const invite = (ctx.query?.get('invite') || '').trim().slice(0, 32);
  const code = h('input', { id: 'invite-code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: false, required: true, placeholder: 'e.g. K7Q2-MX9P', value: invite });
  const out = h('p', { class: 'reason', id: 'invite-result', hidden: true });
  const form = h('form', { class: 'stack' }, field('Invite code from your clinician', code),
    h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'submit', id: 'accept-invite' }, 'Link my clinician')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!code.value.trim()) { ctx.toast('Enter the code your clinician gave you.', 'warn'); return; }
    try {
      const r = await post('/api/invites/accept', { code: code.value.trim() });
      out.replaceChildren(`Linked to ${r?.clinician?.name || 'your clinician'}. They can now see your sessions and adjust your plan; every change they make is shown to you.`,
        ctx.me.has_profile ? '' : h('span', {}, ' ', h('a', { href: '/onboarding', 'data-link': true, id: 'to-screening' }, 'Continue to the screening questions')));
      out.hidden = false;
      code.value = '';
      draw(await get('/api/clinicians'));
    } catch (ex) { ctx.toast(ex.message, 'bad'); }
  });
  draw(mine);
  const card = h('section', { class: 'card', id: 'invite-card' }, h('h2', { class: 'card-title' }, 'Your clinician'),
    h('p', { class: 'muted' }, 'A physical therapist can follow your sessions, set limits and record clearance.'),
    listBox, limits, result, form);
  if (invite) {
    // Came from a clinician's QR code or link: the code is filled in, one tap links.
    queueMicrotask(() => { card.scrollIntoView({ block: 'start' }); form.querySelector('#accept-invite')?.focus({ preventScroll: true }); });
  }
  return card;
}
