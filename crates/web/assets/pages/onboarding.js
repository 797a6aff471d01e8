// Onboarding: the screening questionnaire in three short steps, then the tier it gives,
// why, and what it requires.
import { get, put } from '../api.js';
import { h, field, scale, scaleValue, segmented, radioValue, check, icon, clear } from '../dom.js';
import { massToKg, tierLabel, ruleId } from '../units.js';

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
      scale('knee_pain', 'Knee pain today', p.knee_pain ?? 0),
      h('fieldset', { class: 'checks' },
        h('legend', {}, 'Do any of these apply to you?'),
        check('flag_balance', 'Poor balance, or a fall in the last year', Boolean(flags.poor_balance_or_falls)),
        check('flag_dizzy', 'Dizziness, vertigo or an inner-ear problem', Boolean(flags.vestibular_or_dizziness)),
        check('flag_neuro', 'A neurological condition (e.g. Parkinson’s, MS, stroke)', Boolean(flags.neurological)),
        check('flag_vision', 'Impaired vision', Boolean(flags.vision_impairment)),
      ),
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
  back.addEventListener('click', () => show(step - 1));

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
    if (step < steps.length - 1) return show(step + 1);
    next.disabled = true;
    try {
      const result = await put('/api/profile', prof);
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
        ? h('div', {}, h('h3', {}, 'Why'), h('ul', { class: 'reasons' }, s.reasons.map((r) => h('li', {},
          h('span', { class: `mini-badge tier-${r.tier}` }, tierLabel(r.tier)), h('span', {}, r.text), h('span', { class: 'rule' }, ruleId(r.rule))))))
        : h('p', { class: 'muted' }, 'Nothing in your answers calls for extra care.'),
      h('h3', {}, 'What it requires'),
      reqs.length
        ? h('ul', { class: 'requirements' }, reqs.map(([, t, d]) => h('li', {}, icon('shield'), h('div', {}, h('strong', {}, t), h('span', {}, d)))))
        : h('p', { class: 'muted' }, 'No spotter or clearance needed. The safety checklist before every session still applies.'),
    ),
    result.clinician_tier
      ? h('section', { class: 'card callout', id: 'clinician-tier' }, h('h3', {}, 'Your clinician’s tier stands'),
        h('p', {}, result.clinician_tier.message))
      : null,
    result.programme_started === false
      ? h('section', { class: 'card callout' }, h('h3', {}, 'Your programme starts after clearance'),
        h('p', {}, 'Ask your physical therapist for an invite code and enter it in Settings; they can then record your clearance.'),
        h('a', { class: 'btn btn-primary btn-block', href: '/settings', 'data-link': true }, 'Enter an invite code'))
      : h('a', { class: 'btn btn-primary btn-block btn-lg', href: '/', 'data-link': true, id: 'to-home' }, 'See my first session', icon('arrow')),
    h('p', { class: 'notice' }, 'retrowalk is not a medical device. Stop at once on dizziness, pain or discomfort.'),
  );
}
