// What every screen says of a Connect round: its kind in words and, in Troika, the
// phase under way.
import { html, nothing } from '/static/vendor/lit-html/lit-html.js';
import { countdown, ticking } from '/static/js/widgets.js';

const ROUND_WORDS = {
  groups: (r) => (r.size === 2 ? 'Pairs' : `Groups of ${r.size}`),
  merge: (r) => `Pairs join up into groups of ${r.size}`,
  solo: () => 'On your own',
  all: () => 'The whole room',
};

export function roundLabel(round) {
  return (ROUND_WORDS[round.kind] || (() => ''))(round);
}

// "Round 2 of 3 · Pairs"
export function roundLine(activity, round) {
  return html`<p class="round-label">Round ${round.number} of ${activity.total_rounds} · ${roundLabel(round)}</p>`;
}

// Which Troika phase is on at nowMs: turns repeat the phases; in turn n, the group's
// member at position n is the client.
export function phaseAt(round, nowMs) {
  const phases = round.phases || [];
  if (!phases.length) return null;
  const turnSeconds = phases.reduce((sum, p) => sum + p.seconds, 0);
  let elapsed = Math.max(0, nowMs / 1000 - round.started_at);
  const turn = Math.min(round.turns - 1, Math.floor(elapsed / turnSeconds));
  elapsed -= turn * turnSeconds;
  let start = round.started_at + turn * turnSeconds;
  for (const [index, phase] of phases.entries()) {
    if (elapsed < phase.seconds || index === phases.length - 1) {
      return { turn, index, label: phase.label, endsAt: (start + phase.seconds) * 1000 };
    }
    elapsed -= phase.seconds;
    start += phase.seconds;
  }
  return null;
}

// The phase under way and its time left, following the clock.
export function phaseLine(round) {
  return ticking((now) => {
    const phase = phaseAt(round, now);
    return phase ? html`<p class="phase" aria-live="polite"><span>Turn ${phase.turn + 1} of ${round.turns}:
      ${phase.label}</span> ${countdown(Math.round(phase.endsAt), { small: true })}</p>` : nothing;
  });
}
