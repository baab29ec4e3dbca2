// Prompts on the projector (and so the control screen's preview and the panel's
// "On the big screen now"), the control screen and the report. The control screen
// closes and reopens answers, runs the countdown and reveals the results, by button
// or by key (t, + and -, r).
import { html } from '/static/vendor/lit-html/lit-html.js';
import { CHARTS, KINDS, results, status } from './results.js';

// A prompt on the projector: its title, `before` (under it), its countdown, and
// `body`: its results when shown, else what the kind shows meanwhile.
export function promptScreen(activity, body, before = null) {
  return html`<div class="prompt-screen ${activity.results ? 'with-results' : ''}">
    <h2 class="activity-title">${activity.title}</h2>
    ${before}
    ${status(activity)}
    ${body}
  </div>`;
}

// The prompt as the projector shows it. The control screen's view has the results
// always; its preview shows them only when the projector does.
export function projected(activity, ctx) {
  return ctx?.role !== 'facilitator' || activity.results_shown ? activity : { ...activity, results: null };
}

// The projector, the control screen's preview and the panel's "On the big screen now".
function screen(shown, ctx) {
  const activity = projected(shown, ctx);
  // The histogram labels the ends itself.
  const ends = activity.kind === 'scale' && !activity.results && (activity.low_label || activity.high_label);
  return promptScreen(activity, activity.kind === 'poll' && !activity.results
    ? html`<ol class="option-list">${activity.options.map((o) => html`<li>${o}</li>`)}</ol>`
    : results(activity.kind, activity, activity.results),
  ends ? html`<p class="muted scale-labels">1 = ${activity.low_label || ''} · ${activity.high} = ${
    activity.high_label || ''}</p>` : null);
}

// The control screen shows what a refused request's ack says.
const run = (activity, ctx, event, data) => ctx.request(event, { activity_id: activity.id, ...data });
const timer = (activity, ctx, action, seconds) => run(activity, ctx, 'prompt:timer', { action, seconds });
const reveal = (activity, ctx) => run(activity, ctx, 'prompt:reveal', { revealed: !activity.revealed });

// The control screen's shortcuts while a prompt is live (listed in its "?" dialog).
const extend = (seconds) => (a, ctx) => timer(a, ctx, 'extend', seconds);
export const keys = {
  t: (a, ctx) => timer(a, ctx, a.deadline ? 'pause' : a.paused_remaining ? 'resume' : 'start'),
  '+': extend(60),
  '-': extend(-60),
  r: reveal,
};

// The control screen's buttons and the results so far, drawn by chart(activity, results).
export const promptControl = (chart) => (activity, ctx) => {
  const timed = activity.deadline || activity.paused_remaining;
  const button = (label, action, cls = 'secondary') => html`<button type="button" class=${cls}
    @click=${action}>${label}</button>`;
  const counted = activity.results;
  return html`<div class="prompt-controls">
    <div class="button-row">
      ${activity.open ? button('Close answers', () => run(activity, ctx, 'prompt:close', { closed: true }))
        : button('Reopen', () => run(activity, ctx, 'prompt:close', { closed: false }))}
      ${activity.open && !timed ? button('Start countdown', () => timer(activity, ctx, 'start')) : null}
      ${activity.deadline ? button('Pause', () => timer(activity, ctx, 'pause')) : null}
      ${activity.paused_remaining ? button('Resume', () => timer(activity, ctx, 'resume')) : null}
      ${timed ? html`${button('+1 min', () => keys['+'](activity, ctx))}
        ${button('−1 min', () => keys['-'](activity, ctx))}` : null}
      ${button(activity.revealed ? 'Hide results' : 'Reveal results', () => reveal(activity, ctx), '')}
    </div>
    ${counted ? html`<h3>Results so far: ${counted.total} of ${activity.online} connected answered</h3>
      ${chart(activity, counted)}` : null}
  </div>`;
};

// The report's section: the results, drawn by chart(view, results).
export const promptReport = (chart) => ({ view }) => (view.results ? chart(view, view.results)
  : html`<p class="muted">No answers.</p>`);

export default Object.fromEntries(KINDS.map((kind) => [kind, {
  screen, control: promptControl(CHARTS[kind]), report: promptReport(CHARTS[kind]), keys,
}]));
