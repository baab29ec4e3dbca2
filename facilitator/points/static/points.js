// The points kind's renderers (see static/js/kinds.js), built on the prompts'
// shared frame. A phone shares its budget with − and + buttons or by typing a
// number; what is left shows at every moment, and more than the budget cannot
// be given (the server refuses it too).
import { html } from '/static/vendor/lit-html/lit-html.js';
import { live } from '/static/vendor/lit-html/directives/live.js';
import { ref } from '/static/vendor/lit-html/directives/ref.js';
import { barFill } from '/static/js/charts.js';
import { promptKind, stepButton } from '/kinds/prompts/kit.js';

const sum = (numbers) => numbers.reduce((a, b) => a + b, 0);
// The number inputs are as wide as the budget's digits (through the CSSOM: the CSP
// allows no style attribute).
const digits = (budget) => ref((el) => el?.style.setProperty('--digits', String(String(budget).length)));

function form(activity, answer, draft, send) {
  const { options, budget, open } = activity;
  // (An answer sent before the options were edited may not fit them.)
  const sent = answer?.points?.length === options.length ? answer.points : null;
  const points = draft.value ?? sent ?? options.map(() => 0);
  const left = budget - sum(points);
  const step = Math.max(1, Math.round(budget / 20));  // 5 of 100
  const give = (at, wanted) => {
    const most = points[at] + left;
    const next = [...points];
    next[at] = Math.min(Math.max(0, wanted), most);
    const note = wanted > most ? `That is every point left: ${options[at]} has ${most}.` : '';
    draft.set(next, note);
  };
  const typed = (at) => (e) => {
    const n = Number.parseInt(e.target.value, 10);
    give(at, Number.isNaN(n) ? 0 : n);
  };
  const ready = left >= 0 && left < budget && (!activity.spend_all || left === 0);
  return html`<div class="prompt-form points-form">
    <p class="points-help">${activity.spend_all
      ? `Share all ${budget} points between the options: more points for what matters more.`
      : `Share up to ${budget} points between the options: more points for what matters more.`}</p>
    <p class="points-left ${left ? '' : 'none'}" aria-live="polite"><strong>${left}</strong> of ${budget} points left</p>
    <ul class="points-options" ${digits(budget)}>${options.map((option, at) => html`<li class="points-option">
      <label class="points-label" for="points-${at}">${option}</label>
      <div class="points-stepper">
        ${stepButton(activity, `${step} fewer for ${option}`, '−', () => give(at, points[at] - step), points[at] > 0)}
        <input id="points-${at}" type="number" inputmode="numeric" min="0" max=${points[at] + left} step="1"
          .value=${live(String(points[at]))} ?disabled=${!open} @input=${typed(at)}>
        ${stepButton(activity, `${step} more for ${option}`, '+', () => give(at, points[at] + step), left > 0)}
      </div>
    </li>`)}</ul>
    <button type="button" class="big points-send" ?disabled=${!open || !ready}
      @click=${() => send({ points })}>Send my points</button>
    ${activity.spend_all && left > 0 && open ? html`<p class="hint">Share every point to send.</p>` : null}
  </div>`;
}

function chart(activity, results) {
  const rows = activity.options.map((option, at) => ({ option, total: results.totals[at], average: results.averages[at] }))
    .sort((a, b) => b.total - a.total);
  const most = Math.max(1, ...results.totals);
  return html`<div class="results points-results">
    <ol class="bars" aria-label="Points per option, most first" ${ref((el) => el?.style.setProperty('--rows', rows.length))}>${rows.map((row) => html`<li class="bar-row">
      <span class="bar-label">${row.option}</span>
      <span class="bar-track">${barFill((100 * row.total) / most)}</span>
      <span class="bar-value">${row.total}<span class="bar-share"> · ${row.average} avg</span></span>
    </li>`)}</ol>
    <p class="respondents">${results.total} ${results.total === 1 ? 'person' : 'people'} shared
      ${activity.spend_all ? '' : 'up to '}${activity.budget} points each · total points, and the average per person</p>
  </div>`;
}

const waiting = (activity) => html`<ul class="option-list">${activity.options.map((o) => html`<li>${o}</li>`)}</ul>`;

export default { points: promptKind({ form, chart, waiting }) };
