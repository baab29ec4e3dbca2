// A phone in a Q&A session, open reflection or idea board: post (through the
// offline outbox), follow your own posts, vote, and see what is being answered.
import { html } from '/static/vendor/lit-html/lit-html.js';
import { live } from '/static/vendor/lit-html/directives/live.js';
import { repeat } from '/static/vendor/lit-html/directives/repeat.js';
import { WORDS, answeringNow, askerOf, byNewest, byVotes, forEachKind, postsIn } from './posts.js';

const STATUS = {
  pending: 'Waiting for the moderator',
  published: 'Published',
  answering: 'Being answered now',
  answered: 'Answered',
  dismissed: 'Not taken up',
};

// How long "Sent" stays under the form.
const SENT_NOTE_MS = 6000;
// The phone's notice when a post kept offline is turned down once it is sent.
const REFUSED = 'What you wrote while offline was not sent, and is back in its box for next time:';
const SAVED = 'Saved on this phone, not sent yet';

function uiState() {
  return {
    draft: '', anonymous: false, sending: false, note: '', sort: 'top', error: '',
    sent: [],  // own posts acked but not yet in `mine`
    // Votes this phone cast, until the server's views carry them: question id ->
    // {up, votes, question: the post as it was then, mine: `mine` as it was then}.
    votes: new Map(),
  };
}

async function send(ui, ctx, textarea) {
  if (ui.sending) return;  // one at a time; the button keeps its focus meanwhile
  const text = ui.draft.trim();
  if (!text) {
    ui.note = 'Type something first.';
    ctx.rerender();
    textarea?.focus();
    return;
  }
  ui.sending = true;
  ui.note = '';
  ctx.rerender();
  const answer = await ctx.submit('qa:ask', { text, anonymous: ui.anonymous }, { refused: REFUSED });
  ui.sending = false;
  if (answer.ok) {
    ui.draft = '';
    ui.sent.push(answer.question);
    const note = answer.question.status === 'pending'
      ? 'Sent: the moderator will review it.' : 'Sent and published.';
    ui.note = note;
    setTimeout(() => {
      if (ui.note === note) { ui.note = ''; ctx.rerender(); }
    }, SENT_NOTE_MS);
  } else if (answer.error === 'queued') {
    ui.draft = '';
    ui.note = 'Saved on this phone: it will be sent when the connection is back.';
  } else {
    ui.note = answer.message;  // what was typed stays, to be put right
  }
  ctx.rerender();
}

async function vote(ui, question, up, mine, ctx) {
  const answer = await ctx.request('qa:vote', { question_id: question.id, up });
  if (answer.ok) {
    ui.votes.set(question.id, { up: answer.up, votes: answer.votes, question, mine });
    ui.error = '';
  } else {
    ui.error = answer.message;
  }
  ctx.rerender();
}

// The phone's own posts: the server's, those it acked since, and those still
// waiting in the outbox (while one is being sent it is neither yet).
function ownPosts(ui, mine, ctx) {
  const own = mine?.questions || [];
  const ids = new Set(own.map((q) => q.id));
  const sent = new Set(own.map((q) => q.client_id));
  const waiting = ui.sending ? [] : (ctx.waiting?.('qa:ask') || []).filter((d) => !sent.has(d.client_id))
    .map((d) => ({ id: `waiting-${d.client_id}`, text: d.text, status: 'waiting' }));
  return [...own, ...ui.sent.filter((q) => !ids.has(q.id)), ...waiting];
}

// Posts the server turned down when the outbox sent them again go back in the box.
function takeBack(ui, ctx) {
  for (const { data, message } of ctx.returned?.('qa:ask') || []) {
    ui.draft = ui.draft.trim() ? `${ui.draft}\n\n${data.text}` : data.text;
    ui.note = `Not sent: ${message}`;
  }
}

function askForm(ui, activity, ctx) {
  const settings = activity.settings;
  const words = WORDS[activity.kind];
  const left = settings.max_length - ui.draft.length;
  const submit = (event) => {
    event.preventDefault();
    send(ui, ctx, event.currentTarget.querySelector('#qa-text'));
  };
  return html`<form class="stack qa-ask" novalidate @submit=${submit}>
    <label for="qa-text">${words.field}</label>
    <textarea id="qa-text" name="text" rows="3" maxlength=${settings.max_length} required
      aria-describedby="qa-count" .value=${live(ui.draft)}
      @input=${(e) => { ui.draft = e.target.value; ctx.rerender(); }}></textarea>
    <p class="hint" id="qa-count" aria-live="polite">${left} characters left</p>
    ${settings.name_mode === 'choice'
      ? html`<label class="check"><input type="checkbox" name="anonymous" .checked=${live(ui.anonymous)}
          @change=${(e) => { ui.anonymous = e.target.checked; }}>${words.unnamed}</label>`
      : html`<p class="hint">${settings.name_mode === 'anonymous' ? words.anonymous : words.named}</p>`}
    <button type="submit" class="big" aria-disabled=${String(ui.sending)}>${words.send}</button>
    <p class="qa-note" role="status" aria-live="polite">${ui.note}</p>
  </form>`;
}

// What became of one of the phone's own posts, in a line or two under it.
function outcome(q, voted) {
  if (q.merged) {
    const yours = q.merged_into && voted.has(q.merged_into.id) ? ', yours with them' : '';
    return html`<p class="qa-outcome">Merged with a similar question${q.merged_into
      ? html`: <span class="qa-outcome-into">“${q.merged_into.text}”</span>` : '.'}
      Its votes moved there${yours}.</p>`;
  }
  const lines = [];
  if (q.original_text) {
    lines.push(html`<p class="qa-outcome">A moderator ${q.text.length < q.original_text.length
      ? 'shortened' : 'edited'} this; it now reads as above.
      <span class="muted">You sent: ${q.original_text}</span></p>`);
  }
  if (q.status === 'answered') lines.push(html`<p class="qa-outcome">Answered at the panel.</p>`);
  if (q.status === 'dismissed') {
    lines.push(html`<p class="qa-outcome">Not taken up this time. Thank you for sending it.</p>`);
  }
  return lines;
}

function ownList(ui, activity, mine, ctx) {
  const own = ownPosts(ui, mine, ctx);
  if (!own.length) return null;
  const voted = new Set(mine?.voted || []);
  return html`<h3>${WORDS[activity.kind].mine}</h3>
    <ul class="qa-own">${repeat(own, (q) => q.id, (q) => html`<li class="qa-own-item">
      <span class="question-text">${q.text}</span>
      <span class="chip chip-${q.merged ? 'merged' : q.status}">${
        q.merged ? 'Merged' : STATUS[q.status] || SAVED}</span>
      ${outcome(q, voted)}
    </li>`)}</ul>`;
}

function postItem(q, { ui, activity, mine, ctx, ownIds, voted }) {
  const settings = activity.settings;
  let button = null;
  if (settings.voting && q.status === 'answered') {
    button = html`<span class="votes">▲ ${q.votes}</span>`;
  } else if (settings.voting) {
    const cast = ui.votes.get(q.id);
    const up = cast && cast.mine === mine ? cast.up : voted.has(q.id);
    const votes = cast && cast.question === q ? cast.votes : q.votes;
    const own = ownIds.has(q.id) && !settings.allow_own_vote;
    button = html`<button type="button" class="vote ${up ? 'voted' : ''}" aria-pressed=${up ? 'true' : 'false'}
      ?disabled=${own} title=${own ? 'Your own post' : ''}
      aria-label="${up ? 'Remove your vote' : 'Vote'}: ${votes} ${votes === 1 ? 'vote' : 'votes'}"
      @click=${() => vote(ui, q, !up, mine, ctx)}>▲ ${votes}</button>`;
  }
  return html`<li class="qa-item ${q.status}">
    <div>
      <p class="question-text">${q.text}</p>
      <p class="asker muted">${askerOf(q, ' · ')}${q.label ? html`<span class="chip">${q.label}</span>` : null}</p>
    </div>
    ${button}
  </li>`;
}

function postList(ui, activity, mine, ctx) {
  const words = WORDS[activity.kind];
  const voting = activity.settings.voting;
  const now = answeringNow(activity);
  const open = postsIn(activity, ['published'], ui.sort === 'top' && voting ? byVotes : byNewest);
  const answered = postsIn(activity, ['answered'], byNewest);
  const own = new Set([...(mine?.questions || []), ...ui.sent].map((q) => q.id));
  const item = { ui, activity, mine, ctx, ownIds: own, voted: new Set(mine?.voted || []) };
  const sortButton = (value, label) => html`<button type="button"
    class="secondary small ${ui.sort === value ? 'active' : ''}" aria-pressed=${ui.sort === value ? 'true' : 'false'}
    @click=${() => { ui.sort = value; ctx.rerender(); }}>${label}</button>`;
  const items = (list) => html`<ul class="qa-items">${repeat(list, (q) => q.id, (q) => postItem(q, item))}</ul>`;
  return html`
    ${now ? html`<div class="answering-now" id="qa-answering-now" tabindex="-1">
      <p class="round-label">Answering now</p>
      <p class="question-text">${now.text}</p>
    </div>` : null}
    <div class="qa-toolbar">
      <h3>${words.list} (${open.length})</h3>
      ${voting ? html`<div class="button-row" role="group" aria-label="Order">
        ${sortButton('top', 'Top')}${sortButton('new', 'Newest')}</div>` : null}
    </div>
    ${ui.error ? html`<p class="error" role="alert">${ui.error}</p>` : null}
    ${open.length ? items(open) : html`<p class="muted">${words.none}</p>`}
    ${answered.length ? html`<details>
      <summary>Answered (${answered.length})</summary>${items(answered)}
    </details>` : null}`;
}

// "Answering now" changing is cued to a phone scrolled away from it: a banner
// that says so once (a polite status, not a ticking region), takes the phone
// there when tapped, and goes when dismissed or when the box comes into view.
let cued = null;  // {ui, ctx} of the phone's live session, for the scroll listener

function answeringBox() {
  return document.getElementById('qa-answering-now');
}

function inView(el) {
  if (!el) return false;
  const box = el.getBoundingClientRect();
  return box.bottom > 60 && box.top < window.innerHeight;
}

function onScroll() {
  if (cued?.ui.cue && inView(answeringBox())) {
    cued.ui.cue = null;
    cued.ctx.rerender();
  }
}

function noteAnswering(ui, now, ctx) {
  const id = now ? now.id : null;
  if (ui.cue && ui.cue !== id) ui.cue = null;
  if (ui.answeringId === undefined || id === ui.answeringId) {
    ui.answeringId = id;  // the first view sets the scene: nothing has changed yet
    return;
  }
  ui.answeringId = id;
  if (id === null) return;
  if (!cued) window.addEventListener('scroll', onScroll, { passive: true });
  cued = { ui, ctx };
  // Measured once drawn: the box is where the new question shows.
  requestAnimationFrame(() => {
    if (ui.answeringId === id && !inView(answeringBox())) {
      ui.cue = id;
      ctx.rerender();
    }
  });
}

function answeringCue(ui, now, ctx) {
  const shown = ui.cue && now && now.id === ui.cue;
  const go = () => {
    const box = answeringBox();
    const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    box?.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
    box?.focus({ preventScroll: true });
    ui.cue = null;
    ctx.rerender();
  };
  const close = () => { ui.cue = null; ctx.rerender(); };
  return html`<div class="qa-cue-region" role="status" aria-live="polite">${shown ? html`<div class="qa-cue">
    <button type="button" class="qa-cue-go" @click=${go}><span class="qa-cue-text">Now answering:
      ${now.text}</span><span class="qa-cue-arrow" aria-hidden="true">↑</span></button>
    <button type="button" class="qa-cue-close" aria-label="Dismiss" @click=${close}>×</button>
  </div>` : null}</div>`;
}

function phone(activity, mine, ctx) {
  const ui = ctx.local('qa-phone', uiState);
  takeBack(ui, ctx);
  const now = answeringNow(activity);
  noteAnswering(ui, now, ctx);
  return html`<div class="qa-phone">
    ${answeringCue(ui, now, ctx)}
    <h2 class="activity-title">${activity.title}</h2>
    ${askForm(ui, activity, ctx)}
    <section class="qa-mine" aria-label=${WORDS[activity.kind].mine}>${ownList(ui, activity, mine, ctx)}</section>
    <section class="qa-list" aria-label=${WORDS[activity.kind].list}>${postList(ui, activity, mine, ctx)}</section>
  </div>`;
}

export default forEachKind(() => ({ phone }));
