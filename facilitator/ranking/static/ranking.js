// The ranking kind's renderers (see static/js/kinds.js), built on the prompts'
// shared frame: the title, countdown, sending, results and control buttons.
//
// A phone ranks by tapping the items in order, then moves them up or down with
// buttons: nothing needs dragging (WCAG 2.2, 2.5.7). The order being built is
// kept in ctx.local, so the broadcasts that redraw the phone do not lose it.
import { html, svg } from '/static/vendor/lit-html/lit-html.js';
import { repeat } from '/static/vendor/lit-html/directives/repeat.js';
import { ref } from '/static/vendor/lit-html/directives/ref.js';
import { promptKind, stepButton } from '/kinds/prompts/kit.js';

// 1st … 10th: a ranking has at most ten items.
export const ordinal = (n) => `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n] || 'th'}`;

// Keyboard focus goes where the tapped button went (it is drawn again elsewhere).
const focus = (selector) => requestAnimationFrame(() => document.querySelector(selector)?.focus());

function form(activity, answer, draft, send) {
  const { items, places, open } = activity;
  // (An answer sent before the items were edited may name one no longer there.)
  const order = (draft.value ?? answer?.order ?? []).filter((item) => item < items.length);
  const left = items.map((_, i) => i).filter((i) => !order.includes(i));
  const of = `of ${places}`;
  const place = (item) => {
    draft.set([...order, item], `${items[item]} placed ${ordinal(order.length + 1)} ${of}.`);
    focus(order.length + 1 < places ? '.ranking-pick' : '.ranking-send');
  };
  const move = (at, by) => {
    const to = at + by;
    if (to < 0 || to >= order.length) return;
    const next = [...order];
    [next[at], next[to]] = [next[to], next[at]];
    draft.set(next, `${items[order[at]]} is now ${ordinal(to + 1)} ${of}.`);
  };
  const remove = (at) => {
    draft.set(order.filter((_, j) => j !== at), `${items[order[at]]} taken out: ${order.length - 1} ${of} placed.`);
    focus('.ranking-pick');
  };
  const button = (...args) => stepButton(activity, ...args);
  return html`<div class="prompt-form ranking-form">
    <p class="ranking-help">${places < items.length
      ? `Tap your top ${places} in order, your first choice first.`
      : 'Tap the items in the order you rank them, your first choice first.'}
      Then move them up or down until the order is right.</p>
    ${order.length ? html`<ol class="ranking-placed" aria-label="Your ranking">${repeat(order, (item) => item, (item, at) => html`
      <li class="ranking-row">
        <span class="ranking-label"><span class="ranking-place">${ordinal(at + 1)}</span>
          <span class="ranking-text">${items[item]}</span></span>
        <span class="ranking-moves">
          ${button(`Move ${items[item]} up, now ${ordinal(at + 1)} ${of}`, '↑', () => move(at, -1), at > 0)}
          ${button(`Move ${items[item]} down, now ${ordinal(at + 1)} ${of}`, '↓', () => move(at, 1), at < order.length - 1)}
          ${button(`Take ${items[item]} out of your ranking`, '✕', () => remove(at))}
        </span>
      </li>`)}</ol>` : null}
    ${order.length < places ? html`<h3 class="ranking-next-heading">${order.length
      ? `Tap your ${ordinal(order.length + 1)} choice` : 'Tap your first choice'}</h3>
      <ul class="ranking-left">${repeat(left, (item) => item, (item) => html`<li>
        <button type="button" class="ranking-pick" ?disabled=${!open} @click=${() => place(item)}>
          <span class="visually-hidden">Place </span>${items[item]}<span class="visually-hidden">
          ${ordinal(order.length + 1)}</span></button></li>`)}</ul>` : null}
    <p class="ranking-count">${order.length} ${of} placed</p>
    <div class="button-row">
      <button type="button" class="big ranking-send" ?disabled=${!open || order.length !== places}
        @click=${() => send({ order })}>Send my ranking</button>
      ${order.length ? html`<button type="button" class="link" ?disabled=${!open}
        @click=${() => { draft.set([], 'Ranking cleared.'); focus('.ranking-pick'); }}>Start again</button>` : null}
    </div>
  </div>`;
}

// How many put an item 1st, 2nd…: a small column chart beside it, a slot a place.
function spread(row, items) {
  const most = Math.max(1, ...row.places);
  const said = row.places.map((n, at) => `${ordinal(at + 1)} by ${n}`).join(', ');
  return svg`<svg class="ranking-spread" viewBox="0 0 ${row.places.length * 10} 20" preserveAspectRatio="none"
    role="img" aria-label="${items[row.item]} was placed ${said}">${row.places.map((n, at) => svg`
    <rect class="slot" x=${at * 10 + 1} y="0" width="8" height="20"></rect>
    <rect x=${at * 10 + 1} y=${20 - (20 * n) / most} width="8" height=${(20 * n) / most}></rect>`)}</svg>`;
}

function chart(activity, results) {
  const { items } = activity;
  const last = ordinal(activity.places);
  const tied = (row) => results.items.filter((r) => r.rank === row.rank).length > 1;
  return html`<div class="results ranking-results" ${ref((el) => el?.style.setProperty('--rows', results.items.length))}>
    <div class="ranking-result ranking-head" aria-hidden="true">
      <span class="ranking-spread-cell ranking-axis"><span>1st</span><span>${last}</span></span>
      <span class="ranking-score">Score</span>
    </div>
    <ol class="ranking-list" aria-label="The room's ranking">${results.items.map((row) => html`
      <li class="ranking-result">
        <span class="ranking-rank">${tied(row) ? `=${row.rank}` : row.rank}</span>
        <span class="ranking-text">${items[row.item]}</span>
        <span class="ranking-spread-cell">${spread(row, items)}</span>
        <span class="ranking-score"><span class="visually-hidden">average score </span>${row.average.toFixed(1)}</span>
      </li>`)}</ol>
    <p class="respondents">${results.total} ${results.total === 1 ? 'ranking' : 'rankings'} · bars: how many
      placed it 1st … ${last} · score: ${items.length} for 1st, 1 for ${ordinal(items.length)}${
      activity.places < items.length ? ', 0 if not placed' : ''}, averaged</p>
  </div>`;
}

// While results are hidden, the projector lists the items to rank.
const waiting = (activity) => html`<ul class="option-list">${activity.items.map((item) => html`<li>${item}</li>`)}</ul>`;

export default { ranking: promptKind({ form, chart, waiting }) };
