// Every renderer of a kind built on the prompts (a ranking, points to share…) from
// the three things only the kind knows; the prompts draw the rest on every screen:
// the title, the countdown or "Time's up", sending through the offline outbox with
// "Your answer is in", the results once shown, the control screen's buttons and
// shortcuts, and the report.
//
//   form(activity, answer, draft, send)   what a phone answers with. `answer` is
//       the answer as sent (or as kept offline), or null. `draft` is what the
//       phone is building before it sends it, kept in ctx.local so that
//       broadcasts do not lose it: `draft.value` (null until changed; read it
//       again in handlers) and `draft.set(value, note)`, which draws the phone
//       again and reads `note` out to screen readers. `send(answer)` sends it
//       and, once it is taken, clears the draft.
//   chart(activity, results)   the results, wherever they are shown.
//   waiting(activity)   what the projector shows while results are hidden.
import { html } from '/static/vendor/lit-html/lit-html.js';
import { promptPhone } from './phone.js';
import { keys, projected, promptControl, promptReport, promptScreen } from './screens.js';

function draftOf(ui, ctx) {
  return {
    get value() { return ui.draft; },
    set(value, note = '') {
      ui.draft = value;
      ui.note = note;
      ctx.rerender();
    },
  };
}

// A small button of a form (↑, +…) that stays focusable while it cannot act (the
// item is first already, no points are left), so that the keyboard focus stays on
// it; once answers are closed it is off.
export const stepButton = (activity, label, text, action, enabled = true) => html`<button type="button"
  class="secondary icon step-button" aria-label=${label} aria-disabled=${String(!enabled)}
  ?disabled=${!activity.open} @click=${() => enabled && action()}>${text}</button>`;

export function promptKind({ form, chart, waiting = () => null }) {
  return {
    phone: promptPhone((activity, answer, ui, send, ctx) => form(activity, answer, draftOf(ui, ctx), send), chart),
    screen(shown, ctx) {
      const activity = projected(shown, ctx);
      return promptScreen(activity, activity.results ? chart(activity, activity.results) : waiting(activity));
    },
    control: promptControl(chart),
    report: promptReport(chart),
    keys,
  };
}
