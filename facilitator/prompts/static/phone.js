// A phone answering a prompt: a poll, word cloud, scale or ready check. The answer
// goes through the offline outbox; it can be changed until time is up, and the
// results show once the facilitator reveals them.
import { html } from '/static/vendor/lit-html/lit-html.js';
import { live } from '/static/vendor/lit-html/directives/live.js';
import { CHARTS, KINDS, status } from './results.js';

const ANSWERED = 'Your answer is in. You can change it until time is up.';
const SAVED = 'Saved on this phone: it will be sent when the connection is back.';
// The phone's notice when an answer kept offline is turned down once it is sent.
const REFUSED = 'Your answer from while you were offline was not counted:';

function uiState() {
  return {
    // What is being chosen or typed before it is sent (null: the answer as sent).
    choices: null, other: null, entries: null,
    draft: null,  // the same, for kinds built with kit.js
    sending: false, note: '',
    // The answer this phone sent, until the server's `mine` carries it:
    // {answer, mine: `mine` as it was then}.
    sent: null,
  };
}

// An answer kept offline, for this prompt (the outbox keeps one a prompt).
function waiting(activity, ctx) {
  return (ctx.waiting?.('prompt:answer') || []).findLast((d) => d.activity_id === activity.id) || null;
}

function currentAnswer(ui, mine, kept) {
  if (kept) return kept;
  return ui.sent && ui.sent.mine === mine ? ui.sent.answer : mine?.answer ?? null;
}

async function submit(ui, activity, mine, ctx, value) {
  if (ui.sending) return;  // one at a time; the button keeps its focus meanwhile
  ui.sending = true;
  ctx.rerender();
  const answer = await ctx.submit('prompt:answer', { activity_id: activity.id, ...value },
    { slot: `prompt:${activity.id}`, refused: REFUSED });
  ui.sending = false;
  if (answer.ok) {
    Object.assign(ui, {
      sent: { answer: answer.answer, mine }, choices: null, other: null, entries: null, draft: null,
    });
    ui.note = ANSWERED;
  } else if (answer.error === 'queued') {
    ui.note = SAVED;
  } else {
    ui.note = answer.message;
  }
  ctx.rerender();
}

// What is chosen and typed now: the phone's changes, else the answer as sent. Read
// when used: the handlers outlive the render that made them.
const chosenNow = (ui, answer) => ui.choices ?? answer?.choices ?? [];
const otherNow = (ui, answer) => ui.other ?? answer?.other ?? '';
const entriesNow = (ui, answer, count) => ui.entries
  ?? Array.from({ length: count }, (_, i) => answer?.entries?.[i] ?? '');

function pollForm(activity, answer, ui, send, ctx) {
  const chosen = chosenNow(ui, answer);
  const type = activity.multiple ? 'checkbox' : 'radio';
  const pick = (i) => (e) => {
    const rest = chosenNow(ui, answer).filter((c) => c !== i);
    if (!activity.multiple) ui.choices = e.target.checked ? [i] : rest;
    else ui.choices = e.target.checked ? [...rest, i].sort((a, b) => a - b) : rest;
    ui.other = otherNow(ui, answer);
    ctx.rerender();
  };
  const onSubmit = (e) => {
    e.preventDefault();
    send({ choices: chosenNow(ui, answer), other: otherNow(ui, answer).trim() });
  };
  return html`<form class="stack prompt-form" @submit=${onSubmit}>
    <fieldset ?disabled=${!activity.open}>
      <legend class="visually-hidden">${activity.title}</legend>
      ${activity.options.map((option, i) => html`<label class="option">
        <input type=${type} name="choice" value=${i} .checked=${live(chosen.includes(i))} @change=${pick(i)}>
        <span>${option}</span>
      </label>`)}
      ${activity.other ? html`<label for="other">Other</label>
        <input id="other" name="other" maxlength="120" autocomplete="off" .value=${live(otherNow(ui, answer))}
          @input=${(e) => { ui.choices = chosenNow(ui, answer); ui.other = e.target.value; }}>` : null}
    </fieldset>
    <button type="submit" class="big" ?disabled=${!activity.open}>Send</button>
  </form>`;
}

function cloudForm(activity, answer, ui, send) {
  const entries = entriesNow(ui, answer, activity.entries);
  const type = (i) => (e) => {
    ui.entries = [...entriesNow(ui, answer, activity.entries)];
    ui.entries[i] = e.target.value;
  };
  const onSubmit = (e) => {
    e.preventDefault();
    send({ entries: entriesNow(ui, answer, activity.entries).map((entry) => entry.trim()).filter(Boolean) });
  };
  return html`<form class="stack prompt-form" @submit=${onSubmit}>
    ${entries.map((entry, i) => html`
      <label for="entry-${i}">${activity.entries > 1 ? `Word or phrase ${i + 1}` : 'A word or short phrase'}</label>
      <input id="entry-${i}" name="entry" maxlength="40" autocomplete="off" ?disabled=${!activity.open}
        .value=${live(entry)} @input=${type(i)}>`)}
    <button type="submit" class="big" ?disabled=${!activity.open}>Send</button>
  </form>`;
}

function scaleForm(activity, answer, ui, send) {
  const numbers = Array.from({ length: activity.high }, (_, i) => i + 1);
  return html`<div class="prompt-form">
    <div class="scale-buttons" role="group" aria-label=${activity.title}>
      ${numbers.map((n) => html`<button type="button" class="scale-button ${answer?.value === n ? '' : 'secondary'}"
        data-value=${n} aria-pressed=${String(answer?.value === n)} ?disabled=${!activity.open}
        @click=${() => send({ value: n })}>${n}</button>`)}
    </div>
    <p class="scale-ends"><span>1 ${activity.low_label || ''}</span>
      <span>${activity.high} ${activity.high_label || ''}</span></p>
  </div>`;
}

function readyForm(activity, answer, ui, send) {
  const ready = Boolean(answer?.ready);
  return html`<div class="prompt-form">
    <button type="button" class="big ready-button ${ready ? 'secondary' : ''}" aria-pressed=${String(ready)}
      ?disabled=${!activity.open} @click=${() => send({ ready: !ready })}>${
      ready ? `✓ Ready${activity.open ? ' (tap to undo)' : ''}` : activity.button}</button>
  </div>`;
}

const FORMS = { poll: pollForm, wordcloud: cloudForm, scale: scaleForm, ready: readyForm };

// Once time is up, an answer can no longer be changed.
function noteOf(ui, activity, kept) {
  if (ui.note === ANSWERED && !activity.open) return 'Your answer is in.';
  return ui.note || (kept ? SAVED : '');
}

// A phone renderer from a kind's form(activity, answer, ui, send, ctx) and its
// chart(activity, results) (kit.js makes them for the kinds built on prompts).
export function promptPhone(form, chart) {
  return (activity, mine, ctx) => {
    const ui = ctx.local('prompt-phone', uiState);
    const kept = ui.sending ? null : waiting(activity, ctx);
    const answer = currentAnswer(ui, mine, kept);
    const send = (value) => submit(ui, activity, mine, ctx, value);
    return html`<div class="prompt-phone">
      <h2 class="activity-title">${activity.title}</h2>
      <div class="prompt-status">${status(activity)}</div>
      ${form(activity, answer, ui, send, ctx)}
      <p class="prompt-note" role="status" aria-live="polite">${noteOf(ui, activity, kept)}</p>
      <div class="prompt-results">${activity.results
        ? html`<h3>Results</h3>${chart(activity, activity.results)}` : null}</div>
    </div>`;
  };
}

export default Object.fromEntries(KINDS.map((kind) => [kind, { phone: promptPhone(FORMS[kind], CHARTS[kind]) }]));
