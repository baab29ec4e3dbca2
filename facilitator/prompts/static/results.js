// What the prompt kinds' renderers share: their status line and their results.
import { html } from '/static/vendor/lit-html/lit-html.js';
import { barChart, barFill, histogram, wordCloud } from '/static/js/charts.js';
import { formatRemaining, timer } from '/static/js/widgets.js';

export const KINDS = ['poll', 'wordcloud', 'scale', 'ready'];

const answers = (n) => `${n} ${n === 1 ? 'answer' : 'answers'}`;

// "Time's up", the countdown, or the countdown as paused.
export function status(activity) {
  if (!activity.open) return html`<p class="times-up">Time's up</p>`;
  if (activity.deadline) return timer(activity.deadline);
  if (activity.paused_remaining) {
    return html`<p class="timer paused"><span class="visually-hidden">Time left: </span><span
      class="timer-value">${formatRemaining(activity.paused_remaining * 1000)}</span> paused</p>`;
  }
  return null;
}

function pollResults(activity, results) {
  const labels = [...activity.options];
  const counts = [...results.counts];
  if (activity.other && results.other_count) {
    labels.push('Other');
    counts.push(results.other_count);
  }
  return html`<div class="results">
    ${barChart(labels, counts, results.total)}
    <p class="respondents">${answers(results.total)}</p>
    ${results.other?.length
      ? html`<ul class="other-answers">${results.other.slice(-8).map((o) => html`<li>${o}</li>`)}</ul>` : null}
  </div>`;
}

function cloudResults(activity, results) {
  return html`<div class="results">
    ${results.words.length ? wordCloud(results.words) : html`<p class="muted">No words yet.</p>`}
    <p class="respondents">${answers(results.total)}</p>
  </div>`;
}

function scaleResults(activity, results) {
  return html`<div class="results">
    ${histogram(results.counts, activity.low_label, activity.high_label)}
    <p class="respondents">${results.mean === null ? 'No answers yet.'
      : `Average ${results.mean} from ${answers(results.total)}`}</p>
  </div>`;
}

function readyResults(activity, results) {
  const of = Math.max(results.of ?? results.total, results.ready);
  return html`<div class="results ready-results">
    <p class="ready-count"><strong>${results.ready}</strong> of ${of} ready</p>
    <span class="bar-track">${barFill(of ? (100 * results.ready) / of : 0)}</span>
  </div>`;
}

// Each kind's chart(view, results).
export const CHARTS = { poll: pollResults, wordcloud: cloudResults, scale: scaleResults, ready: readyResults };

// The chart of a prompt's results: `view` is the prompt's view (its settings).
export function results(kind, view, counted) {
  return counted ? CHARTS[kind](view, counted) : null;
}
