// Onboarding: the screening questionnaire in three short steps, then the tier it gives,
// why, and what it requires.
import { get, put } from '../api.js';
import { h, field, scale, scaleValue, segmented, radioValue, check, icon, clear } from '../dom.js';
import { massToKg, tierLabel } from '../units.js';
import { formDraft } from '../forms.js';

const GOALS = [
  ['knee_rehab', 'Knee rehabilitation', 'Osteoarthritis, kneecap pain or after an injury'],
  ['strength', 'Stronger thighs', 'Quadriceps strength for stairs and standing up'],
  ['balance', 'Balance', 'Steadier on your feet, fewer falls'],
  ['fitness', 'Fitness', 'More energy burnt per minute than walking forward'],
  ['variety', 'Variety', 'Something new in your routine'],
];
const KNEES = [
  ['none', 'No knee condition'], ['osteoarthritis', 'Knee osteoarthritis'], ['patellofemoral_pain', 'Pain around the kneecap (patellofemoral)'],
  ['acl_reconstruction', 'ACL reconstruction'], ['other_surgery', 'Other knee surgery'],
];
const SURGERY = new Set(['acl_reconstruction', 'other_surgery']);
const ACTIVITY = [
  ['inactive', 'Hardly at all', 'Little or no planned exercise at the moment'],
  ['some', 'Some exercise', 'Less than 30 minutes on 3 days a week'],
  ['regular', 'Regularly', 'At least 30 minutes of brisk exercise on 3 or more days a week, for the last 3 months'],
];
// In the spirit of the PAR-Q+ (SCR-15, SCR-16); any tick asks for a clinician's clearance.
const HEART = [
  ['heart_condition', 'heart_condition', 'A doctor has said I have a heart condition'],
  ['chest_pain', 'chest_pain', 'I get chest pain at rest, in daily life or when active'],
  ['fainting', 'fainting', 'I have fainted, blacked out or lost my balance from dizziness in the last 12 months'],
  ['high_blood_pressure', 'high_blood_pressure', 'A doctor has said I have high blood pressure'],
  ['heart_medicine', 'rate_limiting_medicine', 'I take a medicine that slows my heart, such as a beta-blocker (bisoprolol, metoprolol, atenolol), verapamil or diltiazem'],
];
const DAYS = [['Monday', 'Mon'], ['Tuesday', 'Tue'], ['Wednesday', 'Wed'], ['Thursday', 'Thu'], ['Friday', 'Fri'], ['Saturday', 'Sat'], ['Sunday', 'Sun']];

export const TIER_TEXT = {
  standard: 'You can start on your own with the standard beginner programme.',
  caution: 'You can start, more gently: slower, shorter bouts, and time goes up before speed.',
  supervised: 'Every session needs a spotter beside you and continuous contact with the rails.',
  clearance_required: 'Please see a physical therapist or doctor first. retrowalk will build your programme once a clinician’s clearance is recorded.',
};

export async function render(view, ctx) {
  let existing = null;
  try { existing = await get('/api/profile'); } catch { existing = null; }
  const p = existing || {};
  const flags = p.flags || {};
  const heart = p.heart || {};
  // Months since the operation, shown in years when it is a whole number of years over two.
  const surgeryMonths = p.knee_surgery_months;
  const inYears = surgeryMonths != null && surgeryMonths >= 24 && surgeryMonths % 12 === 0;
  const days = new Set((p.schedule && p.schedule.days) || ['Monday', 'Wednesday', 'Friday']);

  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const steps = [
    h('fieldset', { class: 'step', 'data-step': '1' },
      h('legend', { class: 'step-title' }, 'About you'),
      field('Name', h('input', { id: 'name', type: 'text', required: true, maxlength: 80, value: p.name || ctx.me.name || '' })),
      h('div', { class: 'row2' },
        field('Age', h('input', { id: 'age', type: 'number', inputmode: 'numeric', min: 10, max: 110, required: true, value: p.age ?? '' }), 'Years'),
        h('div', { class: 'field' },
          h('label', { class: 'field-label', for: 'mass' }, 'Body mass'),
          h('div', { class: 'with-unit' },
            h('input', { id: 'mass', type: 'number', inputmode: 'decimal', min: 25, max: 350, step: '0.1', required: true, value: p.body_mass ? Math.round(p.body_mass * 10) / 10 : '' }),
            h('select', { id: 'mass_unit', 'aria-label': 'Mass unit' }, h('option', { value: 'kg' }, 'kg'), h('option', { value: 'lb' }, 'lb'))),
          h('span', { class: 'field-hint' }, 'For the energy estimate.')),
      ),
      field('Sex (optional)', h('select', { id: 'sex' },
        h('option', { value: '' }, 'Prefer not to say'),
        h('option', { value: 'female', selected: p.sex === 'female' }, 'Female'),
        h('option', { value: 'male', selected: p.sex === 'male' }, 'Male'))),
      segmented('units', 'Treadmill speed in', [['mph', 'mph'], ['kmh', 'km/h']], p.units || 'mph'),
      h('fieldset', { class: 'choice-cards', id: 'activity-field' },
        h('legend', {}, 'How active are you now?'),
        ACTIVITY.map(([v, t, d]) => [
          h('input', { type: 'radio', name: 'activity', id: `activity-${v}`, value: v, class: 'sr', checked: p.activity === v }),
          h('label', { for: `activity-${v}`, class: 'choice' }, h('strong', {}, t), h('span', {}, d)),
        ])),
    ),
    h('fieldset', { class: 'step', 'data-step': '2', hidden: true },
      h('legend', { class: 'step-title' }, 'Your goal and your knees'),
      h('fieldset', { class: 'choice-cards', id: 'goal-field' },
        h('legend', {}, 'What do you want from backward walking?'),
        GOALS.map(([v, t, d]) => [
          h('input', { type: 'radio', name: 'goal', id: `goal-${v}`, value: v, class: 'sr', checked: (p.goal || 'knee_rehab') === v }),
          h('label', { for: `goal-${v}`, class: 'choice' }, h('strong', {}, t), h('span', {}, d)),
        ])),
      field('Knee condition', h('select', { id: 'knee' }, KNEES.map(([v, t]) => h('option', { value: v, selected: (p.knee || 'none') === v }, t)))),
      h('div', { class: 'field', id: 'surgery-field', hidden: !SURGERY.has(p.knee) },
        h('label', { class: 'field-label', for: 'surgery_ago' }, 'When was the operation?'),
        h('div', { class: 'with-unit' },
          h('input', { id: 'surgery_ago', type: 'number', inputmode: 'numeric', min: 0, max: 1320, step: 1, value: surgeryMonths == null ? '' : String(inYears ? surgeryMonths / 12 : surgeryMonths) }),
          h('select', { id: 'surgery_unit', class: 'wide', 'aria-label': 'Months or years ago' },
            h('option', { value: 'months', selected: !inYears }, 'months ago'),
            h('option', { value: 'years', selected: inYears }, 'years ago'))),
        h('span', { class: 'field-hint' }, 'For example 4 months or 10 years. Leave it empty if you are not sure: then a clinician clears you first.')),
      scale('knee_pain', 'Knee pain today', p.knee_pain ?? 0),
      h('fieldset', { class: 'checks' },
        h('legend', {}, 'Do any of these apply to you?'),
        check('flag_balance', 'Poor balance, or a fall in the last year', Boolean(flags.poor_balance_or_falls)),
        check('flag_dizzy', 'Dizziness, vertigo or an inner-ear problem', Boolean(flags.vestibular_or_dizziness)),
        check('flag_neuro', 'A neurological condition (e.g. Parkinson’s, MS, stroke)', Boolean(flags.neurological)),
        check('flag_vision', 'Impaired vision', Boolean(flags.vision_impairment)),
      ),
      h('fieldset', { class: 'checks', id: 'heart-field' },
        h('legend', {}, 'Your heart and circulation: tick any that apply'),
        HEART.map(([id, key, text]) => check(id, text, Boolean(heart[key]))),
        h('p', { class: 'field-hint' }, 'Any of these means a doctor or physical therapist should clear you first.')),
      field('3-metre backward walk test (optional)', h('input', { id: 'walk_test', type: 'number', inputmode: 'decimal', min: 1, max: 60, step: '0.1', value: p.backward_walk_test_s ?? '' }),
        'Seconds to walk 3 m backward on the floor, if a clinician measured it.'),
      check('clearance', 'A physical therapist or doctor has cleared me for backward treadmill walking (kept as self-attested; if a clinician follows you in retrowalk, they record it instead)', Boolean(p.clearance)),
    ),
    h('fieldset', { class: 'step', 'data-step': '3', hidden: true },
      h('legend', { class: 'step-title' }, 'Your training week'),
      h('p', { class: 'muted' }, 'Choose 2 or 3 days with a rest day between them.'),
      h('div', { class: 'day-chips', id: 'days' }, DAYS.map(([v, t]) => h('label', { class: 'chip', for: `day-${v}` },
        h('input', { type: 'checkbox', id: `day-${v}`, value: v, checked: days.has(v), class: 'sr' }), h('span', {}, t)))),
    ),
  ];
  let step = 0;
  const progress = h('div', { class: 'stepper' }, steps.map((_, i) => h('span', { class: i === 0 ? 'on' : '' })));
  const back = h('button', { type: 'button', class: 'btn btn-ghost', id: 'back', hidden: true }, 'Back');
  const next = h('button', { type: 'submit', class: 'btn btn-primary', id: 'next' }, 'Next');
  const form = h('form', { class: 'stack onboarding-form', novalidate: true }, steps, err, h('div', { class: 'actions' }, back, next));

  function show(i) {
    step = i;
    steps.forEach((s, k) => { s.hidden = k !== i; });
    [...progress.children].forEach((c, k) => c.classList.toggle('on', k <= i));
    back.hidden = i === 0;
    next.textContent = i === steps.length - 1 ? 'See my plan' : 'Next';
    err.hidden = true;
    window.scrollTo(0, 0);
  }
  back.addEventListener('click', () => { show(step - 1); draft.save({ step }); });
  // The time since surgery is only asked after an operation.
  const knee = form.querySelector('#knee');
  const surgeryShown = () => { form.querySelector('#surgery-field').hidden = !SURGERY.has(knee.value); };
  knee.addEventListener('change', surgeryShown);

  // A reload halfway through keeps the answers and the step (this tab only: the answers
  // are health details, so they do not outlive it).
  const draft = formDraft(form, `rw_onboarding_draft:${ctx.me.id}`);
  const restored = draft.restore();
  if (restored) {
    surgeryShown();
    const k = Number(restored.extra?.step);
    if (Number.isInteger(k) && k > 0 && k < steps.length) show(k);
  }

  function fail(msg, id) {
    err.textContent = msg;
    err.hidden = false;
    if (id) form.querySelector(`#${id}`)?.focus();
    return null;
  }

  function collect() {
    const $ = (id) => form.querySelector(`#${id}`);
    const age = Number($('age').value);
    const mass = massToKg($('mass').value, $('mass_unit').value);
    const chosen = DAYS.map(([v]) => v).filter((v) => $(`day-${v}`).checked);
    const walk = $('walk_test').value.trim();
    const ago = $('surgery_ago').value.trim();
    const surgery = SURGERY.has($('knee').value);
    return {
      name: $('name').value.trim(),
      age,
      body_mass: Math.round(mass * 10) / 10,
      sex: $('sex').value || null,
      units: radioValue(form, 'units') || 'mph',
      goal: radioValue(form, 'goal') || 'knee_rehab',
      knee: $('knee').value,
      knee_pain: scaleValue(form, 'knee_pain') ?? 0,
      flags: {
        poor_balance_or_falls: $('flag_balance').checked,
        vestibular_or_dizziness: $('flag_dizzy').checked,
        neurological: $('flag_neuro').checked,
        vision_impairment: $('flag_vision').checked,
      },
      heart: Object.fromEntries(HEART.map(([id, key]) => [key, $(id).checked])),
      activity: radioValue(form, 'activity'),
      knee_surgery_months: surgery && ago !== '' ? Number(ago) * ($('surgery_unit').value === 'years' ? 12 : 1) : null,
      backward_walk_test_s: walk === '' ? null : Number(walk),
      clearance: $('clearance').checked,
      schedule: { days: chosen },
    };
  }

  function validate(i, prof) {
    if (i === 0) {
      if (!prof.name) return fail('Please enter your name.', 'name');
      if (!Number.isInteger(prof.age) || prof.age < 10 || prof.age > 110) return fail('Please enter your age in whole years (10–110).', 'age');
      if (!Number.isFinite(prof.body_mass) || prof.body_mass < 25 || prof.body_mass > 350) return fail('Please enter your body mass (25–350 kg or 55–770 lb).', 'mass');
      if (!prof.activity) return fail('Please say how active you are now.', 'activity-inactive');
    }
    if (i === 1 && prof.knee_surgery_months !== null && !(Number.isInteger(prof.knee_surgery_months) && prof.knee_surgery_months >= 0 && prof.knee_surgery_months <= prof.age * 12)) {
      return fail('How long ago was the operation? Whole months or years, no more than your age.', 'surgery_ago');
    }
    if (i === 1 && prof.backward_walk_test_s !== null && !(prof.backward_walk_test_s >= 1 && prof.backward_walk_test_s <= 60)) {
      return fail('The walk test time must be between 1 and 60 seconds, or left empty.', 'walk_test');
    }
    if (i === 2 && (prof.schedule.days.length < 2 || prof.schedule.days.length > 3)) {
      return fail('Choose 2 or 3 training days.', 'days');
    }
    return true;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const prof = collect();
    if (!validate(step, prof)) return;
    if (step < steps.length - 1) { show(step + 1); draft.save({ step }); return; }
    next.disabled = true;
    try {
      const result = await put('/api/profile', prof);
      draft.forget();
      await ctx.refreshMe();
      clear(view);
      view.append(renderResult(result, ctx));
    } catch (ex) {
      fail(ex.message, ex.field && form.querySelector(`#${ex.field}`) ? ex.field : null);
    } finally {
      next.disabled = false;
    }
  });

  view.append(
    h('header', { class: 'page-head' },
      h('p', { class: 'eyebrow' }, existing ? 'Update your screening' : 'Welcome'),
      h('h1', {}, 'A few questions before your first walk'),
      h('p', { class: 'lede' }, 'Your answers decide how gently you start and whether you need a spotter or a clinician’s clearance first.'),
      progress),
    h('section', { class: 'card' }, form),
  );
}

function renderResult(result, ctx) {
  const s = result.screening || result;
  const tier = s.tier;
  const req = s.requirements || {};
  const reqs = [
    [req.clinician_clearance, 'A clinician’s clearance', 'A physical therapist or doctor records it in retrowalk (they link to you with an invite code).'],
    [req.spotter, 'A spotter beside you', 'Someone stands beside the treadmill for the whole session.'],
    [req.continuous_rails, 'Continuous contact with the rails', 'Keep hold of the rails the whole time.'],
  ].filter((r) => r[0]);
  return h('div', { class: 'stack', id: 'tier-result' },
    h('header', { class: 'page-head' }, h('p', { class: 'eyebrow' }, 'Your screening'), h('h1', {}, 'Here is how you start')),
    h('section', { class: `card tier-card tc-${tier}` },
      h('div', { class: 'tier-head' },
        h('span', { class: `tier-badge tier-${tier}`, id: 'tier' }, tierLabel(tier)),
        h('p', { class: 'tier-explain' }, TIER_TEXT[tier] || '')),
      (s.reasons || []).length
        // Plain sentences for the person; the rules behind them are on the clinician's page.
        ? h('div', {}, h('h2', { class: 'card-title' }, 'Why'), h('ul', { class: 'reasons', id: 'reasons' }, s.reasons.map((r) => h('li', {},
          h('span', { class: `mini-badge tier-${r.tier}` }, tierLabel(r.tier)), h('span', {}, r.text)))))
        : h('p', { class: 'muted' }, 'Nothing in your answers calls for extra care.'),
      h('h2', { class: 'card-title' }, 'What it requires'),
      reqs.length
        ? h('ul', { class: 'requirements' }, reqs.map(([, t, d]) => h('li', {}, icon('shield'), h('div', {}, h('strong', {}, t), h('span', {}, d)))))
        : h('p', { class: 'muted' }, 'No spotter or clearance needed. The safety checklist before every session still applies.'),
    ),
    result.clinician_tier
      ? h('section', { class: 'card callout', id: 'clinician-tier' }, h('h2', { class: 'card-title' }, 'Your clinician’s tier stands'),
        h('p', {}, result.clinician_tier.message))
      : null,
    result.programme_started === false
      ? h('section', { class: 'card callout' }, h('h2', { class: 'card-title' }, 'Your programme starts after clearance'),
        h('p', {}, 'Ask your physical therapist for an invite code and enter it in Settings; they can then record your clearance.'),
        h('a', { class: 'btn btn-primary btn-block', href: '/settings', 'data-link': true }, 'Enter an invite code'))
      : h('a', { class: 'btn btn-primary btn-block btn-lg', href: '/', 'data-link': true, id: 'to-home' }, 'See my first session', icon('arrow')),
    h('p', { class: 'notice' }, 'retrowalk is not a medical device. Stop at once on dizziness, sharp pain, knee pain above 5/10 or anything that feels wrong.'),
  );
}
