// The dot voting kind's renderers (see static/js/kinds.js), built on the prompts'
// shared frame. A phone places its dots with − and + beside each option; the dots
// left show at every moment, and no more can be placed than the vote allows (the
// server refuses them too). The dots being placed are kept until sent.
import { html, svg } from '/static/vendor/lit-html/lit-html.js';
import { ref } from '/static/vendor/lit-html/directives/ref.js';
import { barFill } from '/static/js/charts.js';
import { promptKind } from '/kinds/prompts/kit.js';

// The projector shows this many options at most, most dots first (as in dots.css).
const SHOWN = 12;

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// How many dots a person can place: one per option at most, without stacking.
const budgetOf = (activity) => (activity.stack ? activity.dots : Math.min(activity.dots, activity.options.length));

// A row of dots, `filled` of `of` filled: what is placed or left, as drawn on paper.
// The text beside it says the same to screen readers.
function dotRow(filled, of) {
  return html`<svg class="dots-row" viewBox="0 0 ${of * 24} 24" aria-hidden="true">${
    Array.from({ length: of }, (_, i) => svg`<circle cx=${i * 24 + 12} cy="12" r="9"
      class=${i < filled ? 'dot-on' : 'dot-off'}></circle>`)}</svg>`;
}

// Set a CSS custom property through the CSSOM (the CSP allows no style attribute).
const cssVar = (name, value) => ref((el) => el?.style.setProperty(name, value));

function nothingToVoteOn(activity) {
  if (activity.source !== 'ideas') return null;
  return activity.board_title === null
    ? 'This vote’s idea board is no longer in the run sheet, so there is nothing to vote on.'
    : `“${activity.board_title}” had no published ideas when this vote went live, so there is nothing to vote on yet.`;
}

function form(activity, answer, draft, send) {
  const { options, open } = activity;
  const empty = !options.length;
  if (empty) return html`<p class="notice">${nothingToVoteOn(activity) ?? 'There is nothing to vote on yet.'}</p>`;
  const budget = budgetOf(activity);
  const known = new Set(options.map((o) => o.id));
  // The dots placed now: read again in handlers, as two taps may come before a redraw.
  const placed = () => (draft.value ?? answer?.dots ?? []).filter((id) => known.has(id));
  const dots = placed();
  const left = budget - dots.length;
  const on = (id) => dots.filter((d) => d === id).length;
  const add = (option) => {
    const now = placed();
    const free = budget - now.length;
    if (free <= 0) return draft.set(now, 'No dots left: take one off another option first.');
    if (!activity.stack && now.includes(option.id)) return draft.set(now, 'One dot per option.');
    return draft.set([...now, option.id], `A dot on ${option.text}: ${plural(free - 1, 'dot')} left.`);
  };
  const take = (option) => {
    const now = placed();
    const at = now.lastIndexOf(option.id);
    if (at < 0) return;
    draft.set(now.filter((_, i) => i !== at),
      `A dot taken off ${option.text}: ${plural(budget - now.length + 1, 'dot')} left.`);
  };
  const help = activity.stack
    ? `Place your ${plural(budget, 'dot')} on the options you favour: tap + to add a dot, − to take it off. Put several on one option if it matters most to you.`
    : `Place your ${plural(budget, 'dot')} on the options you favour, one dot per option: tap + to add a dot, − to take it off.`;
  return html`<div class="prompt-form dots-form">
    ${activity.source === 'ideas' ? html`<p class="dots-source">The ideas from “${activity.board_title}”.</p>` : null}
    <p class="dots-help">${help}</p>
    <p class="prompt-counter dots-left ${left ? '' : 'done'}" aria-live="polite">
      ${dotRow(left, budget)}<span><strong>${left}</strong> of ${plural(budget, 'dot')} left</span></p>
    <ul class="dots-options">${options.map((option) => {
      const n = on(option.id);
      const full = left <= 0 || (!activity.stack && n > 0);
      return html`<li class="dots-option ${n ? 'chosen' : ''}">
        <span class="dots-text">${option.text}${n ? html`<span class="dots-placed">${dotRow(n, n)}</span>` : null}</span>
        <span class="dots-stepper">
          <button type="button" class="secondary icon" aria-label="Take a dot off ${option.text}"
            ?disabled=${!open || n === 0} @click=${() => take(option)}>−</button>
          <span class="dots-on"><span class="dots-count" aria-hidden="true">${n}</span><span
            class="visually-hidden">${plural(n, 'dot')} on ${option.text}</span></span>
          <button type="button" class="secondary icon" aria-label="Add a dot to ${option.text}"
            ?disabled=${!open || full} @click=${() => add(option)}>+</button>
        </span>
      </li>`;
    })}</ul>
    <div class="button-row">
      <button type="button" class="big dots-send" ?disabled=${!open || !dots.length}
        @click=${() => send({ dots: placed() })}>Send my dots</button>
      ${dots.length ? html`<button type="button" class="link" ?disabled=${!open}
        @click=${() => draft.set([], 'All your dots taken off.')}>Take all my dots off</button>` : null}
    </div>
    ${left && dots.length && open ? html`<p class="hint">You may send with dots left over.</p>` : null}
  </div>`;
}

// Dots per option, most first, as bars with their counts. The projector shows the
// first SHOWN of them (see dots.css) and says how many more there are.
function chart(activity, results) {
  const text = new Map(activity.options.map((o) => [o.id, o.text]));
  const rows = results.ranked.filter((row) => text.has(row.id));
  const most = Math.max(1, ...rows.map((row) => row.dots));
  return html`<div class="results dots-results" ${cssVar('--rows', String(Math.min(Math.max(rows.length, 5), SHOWN)))}>
    <ol class="bars" aria-label="Dots per option, most first">${rows.map((row) => html`<li class="bar-row">
      <span class="bar-label">${text.get(row.id)}</span>
      <span class="bar-track">${barFill((100 * row.dots) / most)}</span>
      <span class="bar-value">${row.dots}<span class="bar-share"> ${row.dots === 1 ? 'dot' : 'dots'} ·
        ${plural(row.people, 'person', 'people')}</span></span>
    </li>`)}</ol>
    ${rows.length > SHOWN ? html`<p class="dots-more">and ${plural(rows.length - SHOWN, 'more option')}
      with fewer dots</p>` : null}
    <p class="respondents">${plural(results.dots, 'dot')} placed by ${plural(results.total, 'person', 'people')}</p>
  </div>`;
}

// While results are hidden, the projector lists the options (when they fit).
function waiting(activity) {
  const { options } = activity;
  if (!options.length) return html`<p class="dots-how">${nothingToVoteOn(activity) ?? ''}</p>`;
  const how = `${plural(activity.dots, 'dot')} each${activity.stack ? '' : ', one per option'}: place them on your phone.`;
  return html`<p class="dots-how">${how}</p>${options.length <= SHOWN
    ? html`<ul class="option-list dots-list">${options.map((o) => html`<li>${o.text}</li>`)}</ul>`
    : html`<p class="dots-how">${plural(options.length, 'option')}${activity.board_title ? ` from “${activity.board_title}”` : ''}.</p>`}`;
}

export default { dots: promptKind({ form, chart, waiting }) };
