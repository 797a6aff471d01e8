// Settings: units, linking a clinician by invite code, exports, and the account.
import { get, post, put } from '../api.js';
import { h, icon, segmented, radioValue, field } from '../dom.js';

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
    const code = h('input', { id: 'invite-code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: false, required: true, placeholder: 'e.g. K7Q2-MX9P' });
    const out = h('p', { class: 'reason', id: 'invite-result', hidden: true });
    const form = h('form', { class: 'stack' }, field('Invite code from your clinician', code),
      h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'submit', id: 'accept-invite' }, 'Link my clinician')), out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!code.value.trim()) { ctx.toast('Enter the code your clinician gave you.', 'warn'); return; }
      try {
        const r = await post('/api/invites/accept', { code: code.value.trim() });
        out.textContent = `Linked to ${r?.clinician?.name || 'your clinician'}. They can now see your sessions and adjust your plan; every change they make is shown to you.`;
        out.hidden = false;
        code.value = '';
      } catch (ex) { ctx.toast(ex.message, 'bad'); }
    });
    sections.push(h('section', { class: 'card', id: 'invite-card' }, h('h2', { class: 'card-title' }, 'Your clinician'),
      h('p', { class: 'muted' }, 'A physical therapist can follow your sessions, set limits and record clearance.'), form));

    const feed = h('p', { class: 'mono small', id: 'feed-url', hidden: true });
    const feedBtn = h('button', { class: 'btn btn-ghost', type: 'button' }, icon('calendar'), 'Calendar subscription link');
    feedBtn.addEventListener('click', async () => {
      try { const r = await get('/api/calendar-feed'); feed.textContent = new URL(r.url, location.origin).href; feed.hidden = false; } catch (ex) { ctx.toast(ex.message, 'bad'); }
    });
    sections.push(h('section', { class: 'card', id: 'export-card' }, h('h2', { class: 'card-title' }, 'Your data'),
      h('p', { class: 'muted' }, 'Download everything retrowalk holds about your training.'),
      h('ul', { class: 'link-list' },
        exportLink('/api/export/backup.json', 'Full backup', 'JSON, can be restored'),
        exportLink('/api/export/sessions.csv', 'Sessions', 'CSV for a spreadsheet'),
        exportLink('/api/export/programme.ics', 'Programme', 'Calendar file (.ics)')),
      feedBtn, feed));
  }

  const revoke = h('button', { class: 'btn btn-ghost', type: 'button', id: 'revoke-all' }, 'Sign out on every device');
  revoke.addEventListener('click', async () => {
    try { await post('/api/sessions/revoke-all'); } catch { /* signed out either way */ }
    ctx.signOut();
  });
  sections.push(h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Account'),
    h('div', { class: 'actions wrap' },
      h('button', { class: 'btn', type: 'button', id: 'signout', onclick: () => ctx.signOut() }, icon('signout'), 'Sign out'), revoke)));
  view.append(...sections);
}

function exportLink(href, title, sub) {
  return h('li', {}, h('a', { href, download: '', class: 'export-link' }, icon('download'), h('span', {}, h('strong', {}, title), h('span', { class: 'muted small' }, sub))));
}
