// The control screen's rehearsal card: fill the room with simulated phones before the
// event (`rehearsal:start`), see how many are in, and remove them with everything they
// sent (`rehearsal:stop`); and the banner that says so while any are in the room. See
// docs/PROTOCOL.md, Rehearsal.
//
//   rehearsalCard(state, ctx), rehearsalBanner(state, ctx) -> lit-html templates
//   state: the control snapshot's `rehearsal`, kept from `rehearsal` events:
//          {running, simulated}; `roster` (how many people are on the roster), if known
//   ctx:   {request(event, data) -> Promise<ack>, rerender(), local: an object kept
//          between draws (what is being typed), shared by the card and the banner,
//          confirm({heading, text, ok}) -> Promise<bool>: asks before removing}
import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { live } from '../vendor/lit-html/directives/live.js';

export const MOST_PHONES = 2000;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const simulatedDelegates = (n) => plural(n, 'simulated delegate', 'simulated delegates');

function phonesOf(local) {
  const n = Number(local.phones);
  return Number.isInteger(n) && n >= 1 && n <= MOST_PHONES ? n : null;
}

export function statusText({ running = false, simulated = 0 } = {}, requested = null) {
  const inRoom = `${simulatedDelegates(simulated)} in the room`;
  if (running && requested && simulated < requested) return `${inRoom}; ${requested - simulated} more joining.`;
  if (running) return `${inRoom}.`;
  if (simulated) return `${inRoom}, their phones no longer connected. Stop and remove them before the event.`;
  return 'No simulated delegates in the room.';
}

// Send `event`; on success `done(ack)`; a refusal's message is shown on the card.
async function send(ctx, event, data, done) {
  const local = ctx.local;
  local.busy = true;
  local.error = '';
  ctx.rerender();
  try {
    const ack = await ctx.request(event, data);
    if (ack?.ok) done(ack);
    else local.error = ack?.message || 'That did not work: please try again.';
  } finally {
    local.busy = false;
    ctx.rerender();
  }
}

// Stop the crowd and remove every simulated delegate, once the facilitator confirms.
async function stop(state, ctx) {
  const { simulated = 0 } = state || {};
  const asked = !ctx.confirm || await ctx.confirm({
    heading: 'Remove the simulated delegates?',
    text: `This stops the rehearsal and removes ${simulated ? `all ${simulatedDelegates(simulated)}`
      : 'every simulated delegate'} with every answer, question, vote and tap they sent. `
      + 'Real delegates, and what they sent, stay as they are.',
    ok: 'Remove them',
  });
  if (!asked) return;
  await send(ctx, 'rehearsal:stop', {}, (ack) => {
    ctx.local.requested = null;
    ctx.local.note = `Removed ${simulatedDelegates(ack.removed)} and all they sent.`;
  });
  // The banner's button is gone with the banner: keep the keyboard on the card.
  if (document.activeElement === document.body) document.getElementById('rehearsal-heading')?.focus();
}

export function rehearsalCard(state, ctx) {
  const local = ctx.local;
  local.phones ??= '30';
  local.people ??= 'made_up';
  const { running = false, simulated = 0 } = state || {};
  const phones = phonesOf(local);
  const set = (key) => (event) => {
    local[key] = event.target.value;
    local.error = '';
    ctx.rerender();
  };
  const start = (event) => {
    event.preventDefault();
    if (phones === null) {
      local.error = `Give a whole number of phones from 1 to ${MOST_PHONES}.`;
      ctx.rerender();
      return;
    }
    send(ctx, 'rehearsal:start', { phones, people: local.people }, () => {
      local.requested = phones;
      local.note = '';
    });
  };
  const noRoster = state?.roster === 0;
  const radio = (value, label, disabled = false) => html`<label class="check"><input type="radio"
      name="rehearsal-people" value="${value}" .checked=${live(local.people === value)}
      ?disabled=${disabled || local.busy} @change=${set('people')}> ${label}</label>`;
  const invalid = local.phones !== '' && phones === null;
  const inRoom = running || simulated > 0;
  return html`<section class="card rehearsal ${inRoom ? 'is-on' : ''}" aria-labelledby="rehearsal-heading">
    <h2 id="rehearsal-heading" tabindex="-1">Rehearsal: try it with simulated phones</h2>
    <div class="rehearsal-about">
      <p>Before the event, fill the room with simulated delegates to see every screen at work.
        Their phones join over about 20 seconds, then take part in whatever you put live: they
        answer, ask and vote, and find their Connect groups (or not) as a room would.</p>
      <p>They are marked as simulated in the delegate list, and the report and the exports leave
        them out. <strong>Before the real event, stop and remove them</strong>: that removes every
        simulated delegate and all they sent, and nothing else.</p>
    </div>
    <form class="rehearsal-form" @submit=${start} novalidate>
      <label for="rehearsal-phones">Simulated phones (1–${MOST_PHONES})</label>
      <input id="rehearsal-phones" type="number" inputmode="numeric" min="1" max="${MOST_PHONES}"
        step="1" required .value=${live(String(local.phones))} ?disabled=${local.busy}
        aria-invalid=${invalid ? 'true' : 'false'} aria-describedby="rehearsal-status"
        @input=${set('phones')}>
      <fieldset>
        <legend>Who they are</legend>
        ${radio('made_up', 'Made-up organisations and roles')}
        ${radio('roster', noRoster ? 'Organisations and roles from the roster (import one first)'
          : 'Organisations and roles from the roster', noRoster)}
      </fieldset>
      <div class="button-row">
        <button type="submit" class=${inRoom ? 'secondary' : ''} ?disabled=${local.busy}>${
          running ? 'Start again' : 'Start the rehearsal'}</button>
        <button type="button" class="danger" ?disabled=${local.busy || !inRoom}
          @click=${() => stop(state, ctx)}>Stop and remove them…</button>
      </div>
      <p id="rehearsal-status" class="rehearsal-status" role="status" aria-live="polite">
        ${statusText({ running, simulated }, local.requested)}${local.note ? html` ${local.note}` : nothing}</p>
      <p class="error" role="alert">${local.error || ''}</p>
    </form>
  </section>`;
}

// Across the top of the control screen while simulated delegates are in the room, so
// nobody runs the real event with them in it.
export function rehearsalBanner(state, ctx) {
  const { running = false, simulated = 0 } = state || {};
  if (!running && !simulated) return nothing;
  const what = running
    ? html`<strong>Rehearsal running:</strong> ${simulatedDelegates(simulated)} in the room${
      ctx.local.requested > simulated ? `, ${ctx.local.requested - simulated} more joining` : ''}.`
    : html`<strong>Rehearsal stopped,</strong> but ${simulatedDelegates(simulated)} ${simulated === 1 ? 'is' : 'are'} still in the room.`;
  return html`<div class="rehearsal-banner" role="region" aria-label="Rehearsal">
    <p>${what} Remove them before the real event.</p>
    <div class="button-row">
      <a class="button secondary" href="#rehearsal-heading">Details</a>
      <button type="button" class="danger" ?disabled=${ctx.local.busy}
        @click=${() => stop(state, ctx)}>Stop and remove them…</button>
    </div>
  </div>`;
}
