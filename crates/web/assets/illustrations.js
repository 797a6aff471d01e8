// Line drawings of how to stand and how to turn on the treadmill, drawn for retrowalk in
// plain SVG (strokes in currentColor, so they follow the page's theme and the dark runner).
// Each is a figure with a caption that says the same in words, for screen readers and for
// anyone who cannot make out a small drawing.
import { h } from './dom.js';

// Side view: console on the left, the walker facing the back of the treadmill (right),
// upright, eyes ahead to a mirror, one hand light on the rail, stepping back toe to heel.
const POSTURE = `<svg viewBox="0 0 320 200" xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" stroke-width="4" stroke-linecap="round" stroke-linejoin="round">
  <path d="M24 172h240" stroke-width="6"/>
  <path d="M40 172l18-12h196l10 12" stroke-width="3"/>
  <path d="M52 160V64M44 64h34" stroke-width="5"/>
  <path d="M52 104h124" stroke-width="5"/>
  <rect x="286" y="40" width="14" height="120" rx="3" stroke-width="3"/>
  <path d="M292 60l4 20" stroke-width="2"/>
  <circle cx="196" cy="50" r="14"/>
  <path d="M196 64v56"/>
  <path d="M196 74l-10 28-14 4"/>
  <path d="M196 74l12 26"/>
  <path d="M196 120l-14 38-10 2"/>
  <path d="M196 120l8 38 12 0"/>
  <path d="M214 50h50" stroke-dasharray="4 8" stroke-width="2.5"/>
  <path d="M150 186h-40m8-7l-8 7 8 7" stroke-width="3"/>
</svg>`;

// Top view: the belt between two rails, the walker in the middle holding both, and the half
// turn they make in small steps.
const TURN = `<svg viewBox="0 0 320 200" xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" stroke-width="4" stroke-linecap="round" stroke-linejoin="round">
  <rect x="70" y="20" width="180" height="160" rx="14" stroke-width="3"/>
  <path d="M58 30v140M262 30v140" stroke-width="7"/>
  <path d="M90 20h140" stroke-width="9"/>
  <rect x="118" y="90" width="84" height="28" rx="14"/>
  <circle cx="160" cy="106" r="12" fill="currentColor" fill-opacity=".3"/>
  <path d="M154 121l6 8 6-8" stroke-width="3"/>
  <path d="M118 104H66M202 104h52" stroke-width="3.5"/>
  <circle cx="62" cy="104" r="6" fill="currentColor"/>
  <circle cx="258" cy="104" r="6" fill="currentColor"/>
  <path d="M196 64a48 48 0 1 0 6 70" stroke-width="3.5" stroke-dasharray="2 9"/>
  <path d="M190 140l13-5-2 14" stroke-width="3.5"/>
</svg>`;

function figure(id, svg, label, caption) {
  return h('figure', { class: 'illustration', id },
    h('div', { class: 'illustration-art', role: 'img', 'aria-label': label, html: svg }),
    h('figcaption', {}, caption));
}

export function posture(id = 'posture-figure') {
  return figure(id, POSTURE,
    'A person on a treadmill facing away from the console, standing tall with one hand light on the rail, looking ahead into a mirror, stepping back toe to heel.',
    'Stand tall facing the back of the treadmill, a light grip on the rail, eyes ahead on a mirror (not over your shoulder). Step back toe first, then heel.');
}

export function turning(id = 'turn-figure') {
  return figure(id, TURN,
    'Seen from above: a person in the middle of the belt, holding both side rails, turning half way round in small steps.',
    'Belt at its slowest. Hold both rails and turn in small steps, one hand at a time, staying in the middle of the belt.');
}
