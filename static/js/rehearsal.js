// The control screen's rehearsal card: fill the room with simulated phones before the
// event (`rehearsal:start`), see how many are in, and remove them with everything they
// sent (`rehearsal:stop`). See docs/PROTOCOL.md, Rehearsal.
//
//   rehearsalCard(state, ctx) -> a lit-html template
//   state: the control snapshot's `rehearsal`, kept from `rehearsal` events:
//          {running, simulated}; `roster` (how many people are on the roster), if known
//   ctx:   {request(event, data) -> Promise<ack>, rerender(), local: an object kept
//          between draws, holding what is being typed}
import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { live } from '../vendor/lit-html/directives/live.js';

export const MOST_PHONES = 2000;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

function phonesOf(local) {
  const n = Number(local.phones);
  return Number.isInteger(n) && n >= 1 && n <= MOST_PHONES ? n : null;
}

export function statusText({ running = false, simulated = 0 } = {}, requested = null) {
  const inRoom = `${plural(simulated, 'simulated delegate', 'simulated delegates')} in the room`;
  if (running && requested && simulated < requested) return `${inRoom}; ${requested - simulated} more joining.`;
  if (running) return `${inRoom}.`;
  if (simulated) return `${inRoom}, their phones no longer connected. Stop and remove them before the event.`;
  return 'No simulated delegates in the room.';
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
  const send = async (event, data, done) => {
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
  };
  const start = (event) => {
    event.preventDefault();
    if (phones === null) {
      local.error = `Give a whole number of phones from 1 to ${MOST_PHONES}.`;
      ctx.rerender();
      return;
    }
    send('rehearsal:start', { phones, people: local.people }, () => {
      local.requested = phones;
      local.note = '';
    });
  };
  const stop = () => send('rehearsal:stop', {}, (ack) => {
    local.requested = null;
    local.note = `Removed ${plural(ack.removed, 'simulated delegate', 'simulated delegates')} and all they sent.`;
  });
  const noRoster = state?.roster === 0;
  const radio = (value, label, disabled = false) => html`<label class="check"><input type="radio"
      name="rehearsal-people" value="${value}" .checked=${live(local.people === value)}
      ?disabled=${disabled || local.busy} @change=${set('people')}> ${label}</label>`;
  const invalid = local.phones !== '' && phones === null;
  return html`<section class="card rehearsal" aria-labelledby="rehearsal-heading">
    <h2 id="rehearsal-heading">Rehearsal</h2>
    <p class="muted">Fill the room with simulated phones to try every screen before the event.
      They join over a few seconds, answer, ask, vote and find their Connect groups as a room
      would. The report and the exports leave them out.</p>
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
      <div class="actions">
        <button type="submit" ?disabled=${local.busy}>${running ? 'Start again' : 'Start'}</button>
        <button type="button" class="danger" ?disabled=${local.busy || (!running && !simulated)}
          @click=${stop}>Stop and remove them</button>
      </div>
    </form>
    <p id="rehearsal-status" class="rehearsal-status" role="status" aria-live="polite">
      ${statusText({ running, simulated }, local.requested)}${local.note ? html` ${local.note}` : nothing}</p>
    <p class="error" role="alert">${local.error || ''}</p>
  </section>`;
}
