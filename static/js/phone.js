// The delegate's phone: join (walk-in or "that's me"), then follow the live state.
import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { live as current } from '../vendor/lit-html/directives/live.js';
import { repeat } from '../vendor/lit-html/directives/repeat.js';
import { createLocals, drawActivity, loadKinds } from './kinds.js';
import { connectLive } from './live.js';
import { createOutbox } from './outbox.js';
import { applyAck, applyEvent, createState } from './state.js';
import { paint, redrawer } from './widgets.js';

const app = document.getElementById('app');
const code = app.dataset.code;
const prefix = `workshop:${code}:`;
const tokenKey = `${prefix}token`;
const NOTICES = {
  unknown: 'We could not find your earlier sign-in, so please join again.',
  released: 'The facilitator has released your name. Please join again.',
};

// Everything the page shows comes from here: the live state, and the page's own.
const state = createState();
const joining = () => ({
  name: '', organisation: '', role: '', matches: [], hint: '', error: '', busy: false, organisations: [],
});
const page = {
  kinds: false,      // the kinds' renderers are loaded
  fatal: null,       // why this page has stopped
  joinNotice: '',    // why the phone is asked to join again
  join: joining(),   // the join form as typed, kept across reconnects and redraws
  notice: '',        // something the phone must hear about, shown until dismissed
};
const locals = createLocals();

function storedToken() {
  try { return localStorage.getItem(tokenKey); } catch { return null; }
}
function storeToken(token) {
  try {
    if (token) localStorage.setItem(tokenKey, token); else localStorage.removeItem(tokenKey);
  } catch { /* private mode: the session still works until reload */ }
}

// A deleted workshop leaves nothing on the phone: its token, unsent questions and answers.
function forgetWorkshop() {
  outbox.close();
  try {
    Object.keys(localStorage).filter((k) => k.startsWith(prefix)).forEach((k) => localStorage.removeItem(k));
  } catch { /* private mode: nothing was kept */ }
}

function draw() {
  const title = state.snapshot?.workshop.title;
  if (title) document.getElementById('workshop-title').textContent = title;
  paint(view(), app);
}
const redraw = redrawer(draw);

// Something the phone must hear about whatever is on screen (an answer sent while
// offline that the server turned down): shown until dismissed.
function notify(text) {
  page.notice = text;
  redraw();
}

// A phone's own action is acknowledged with its new view of the activity (`mine`).
async function request(event, data) {
  const answer = await live.request(event, data);
  if (applyAck(state, answer)) redraw();
  return answer;
}

const outbox = createOutbox({ code, request, notify });

const live = connectLive({
  auth: () => ({ role: 'delegate', code, token: storedToken() }),
  state,
  changed: redraw,
  noticeEl: document.getElementById('connection-notice'),
  onSnapshot(snap, previous) {
    const wasIn = Boolean(previous?.me);
    if (snap.me === null) {
      if (wasIn) page.join = joining();  // left or released: the form starts empty
      if (storedToken() && snap.token_status !== 'ok') {
        storeToken(null);
        outbox.forget();  // what the last holder of this phone's name left unsent is theirs
      }
      if (NOTICES[snap.token_status]) page.joinNotice = NOTICES[snap.token_status];
    } else {
      if (snap.token) storeToken(snap.token);  // right after joining
      page.joinNotice = '';
      outbox.resend();
    }
    locals.keep(state.activity?.id);
    redraw();
  },
  handlers: {
    live(data) {
      const before = state.activity?.id;
      applyEvent(state, 'live', data);
      const now = state.activity?.id;
      if (now !== before) {
        locals.keep(now);
        if (!('mine' in data) && now != null && state.snapshot?.me) askMine();
      }
      redraw();
    },
    fatal(message, reason) {
      if (['deleted', 'unknown_code', 'removed'].includes(reason)) forgetWorkshop();
      page.fatal = message;
      draw();
    },
  },
});

// A new activity is live and phones differ in it: this phone asks for its own view.
async function askMine() {
  const answer = await live.request('live:mine');
  if (answer.ok && applyEvent(state, 'mine', answer)) redraw();
}

function view() {
  if (page.fatal) return html`<p class="error" role="alert">${page.fatal}</p>`;
  const snap = state.snapshot;
  if (!snap) return html`<p class="muted">Loading…</p>`;
  return snap.me ? joined(snap) : joinForm(snap);
}

// --- joining -------------------------------------------------------------------

const hint = (text) => (text ? html`<span class="hint"> ${text}</span>` : nothing);

function joinForm({ workshop, organisations = [] }) {
  const j = page.join;
  const heading = html`<h1>Join <span class="nowrap">“${workshop.title}”</span></h1>
    ${page.joinNotice ? html`<p class="notice" role="status">${page.joinNotice}</p>` : nothing}`;
  if (workshop.doors === 'closed') {
    return html`${heading}<p class="notice" role="status">The facilitator has closed the doors:
      nobody new can join now. If you should be in, speak to the facilitator; this page will let
      you in when they open them.</p>`;
  }
  const walkIns = workshop.doors !== 'roster';
  const typed = (key) => (event) => {
    j[key] = event.target.value;
    if (key === 'name') rosterNames.soon();
    if (key === 'organisation') organisationNames.soon();
  };
  return html`${heading}
    <form id="join-form" class="stack" novalidate @submit=${(event) => {
      event.preventDefault();
      join('delegate:join', walkIns ? { name: j.name, organisation: j.organisation, role: j.role } : { name: j.name });
    }}>
      ${walkIns ? nothing : html`<p class="notice" role="status">Only people on the delegate list can
        join now: type your name, then tap it.</p>`}
      <label for="name">Your name${hint(workshop.require_name || !walkIns ? '' : '(optional)')}</label>
      <input id="name" name="name" autocomplete="name" maxlength="80" ?required=${workshop.require_name}
        .value=${current(j.name)} @input=${typed('name')}>
      <div id="roster-matches" aria-live="polite">${matches()}</div>
      ${walkIns ? html`
        <label for="organisation">Your organisation</label>
        <input id="organisation" name="organisation" autocomplete="organization" maxlength="120" required
          list="organisations" aria-describedby="organisation-matches" .value=${current(j.organisation)}
          @input=${typed('organisation')}>
        <datalist id="organisations">${organisations.map((o) => html`<option value=${o}></option>`)}</datalist>
        <div id="organisation-matches" aria-live="polite">${organisationMatches()}</div>
        <label for="role">Your role${hint('(optional)')}</label>
        <input id="role" name="role" autocomplete="organization-title" maxlength="80"
          .value=${current(j.role)} @input=${typed('role')}>
        <button type="submit" class="big" ?disabled=${j.busy}>Join</button>` : nothing}
      <p class="error" id="join-error" role="alert">${j.error || nothing}</p>
    </form>`;
}

// Roster entries offered to claim, each with its "That's me" button.
function matches() {
  const j = page.join;
  if (!j.matches.length) return nothing;
  return html`<p class="hint">${j.hint}</p>
    <ul class="matches">${repeat(j.matches, (m) => m.id, (m) => html`<li>
      <button type="button" class="match" ?disabled=${j.busy}
        @click=${() => join('delegate:claim', { delegate_id: m.id })}>
        <strong>${m.name}</strong><span>${[m.organisation, m.role].filter(Boolean).join(' · ')}</span>
        <span class="thats-me">That's me</span></button></li>`)}</ul>`;
}

// Organisations the phone may mean by what it typed ("ICB" finds the Integrated Care
// Board): tapping one fills it in, so colleagues are counted as one organisation.
function organisationMatches() {
  const j = page.join;
  const typed = j.organisation.trim().toLowerCase();
  const offered = j.organisations.filter((o) => o.toLowerCase() !== typed);
  if (!offered.length || j.organisations.some((o) => o.toLowerCase() === typed)) return nothing;
  return html`<p class="hint">Is it one of these? Tap to choose:</p>
    <ul class="org-matches">${offered.map((o) => html`<li><button type="button" class="org-match"
      @click=${() => {
        j.organisation = o;
        j.organisations = [];
        redraw();
        document.getElementById('role')?.focus();
      }}>${o}</button></li>`)}</ul>`;
}

// A type-ahead lookup: asked 250 ms after the last keystroke, with text of at least two
// letters; only the latest question's answer is kept (an earlier one may come back later).
function typeAhead(event, field, apply) {
  let timer = null;
  let asked = 0;
  const now = async () => {
    const text = page.join[field].trim();
    const mine = ++asked;
    const answer = text.length < 2 ? null : await live.request(event, { q: page.join[field] });
    if (mine !== asked) return;  // a later one is under way
    apply(page.join, answer?.ok ? answer : null);
    redraw();
  };
  return { soon() { clearTimeout(timer); timer = setTimeout(now, 250); }, now };
}

const organisationNames = typeAhead('organisation:suggest', 'organisation', (j, answer) => {
  j.organisations = answer ? answer.names : [];
});
const rosterNames = typeAhead('roster:search', 'name', (j, answer) => {
  j.matches = answer ? answer.matches : [];
  j.hint = 'On the delegate list? Tap your name:';
});

async function join(event, data) {
  const j = page.join;
  j.busy = true;
  j.error = '';
  draw();
  const answer = await live.request(event, data);
  j.busy = false;
  if (answer.ok) {
    storeToken(answer.token);  // the joined view is drawn from the snapshot that came with it
    redraw();
    return;
  }
  j.error = answer.message;
  if (answer.error === 'on_roster') {
    // The name reads the same as a roster entry's (perhaps typed with look-alike
    // letters): offer that entry, or the person changes the name and joins again.
    const found = answer.matches || (answer.match ? [answer.match] : []);
    if (found.length) {
      j.matches = found;
      j.hint = 'Is this you? Tap your name, or change the name you typed:';
    } else {
      rosterNames.now();
    }
  } else if (['name_taken', 'name_removed'].includes(answer.error)) {
    j.matches = [];  // nothing to claim: the message says whom to ask
  }
  draw();
  if (answer.field) app.querySelector(`[name="${CSS.escape(answer.field)}"]`)?.focus();
}

// --- joined ----------------------------------------------------------------------

function joined({ me, workshop }) {
  const activity = state.activity;
  let shown = html`<div class="waiting"><h2>You're in</h2>
    <p>Keep this page open: it changes by itself when the facilitator starts something.</p></div>`;
  if (activity && !page.kinds) shown = html`<p class="muted">Loading…</p>`;
  else if (activity) shown = drawActivity('phone', activity, state.mine, ctxFor(activity, me, workshop));
  return html`
    <p class="me"><span class="me-name">${me.name || 'You'}</span>
      <span class="muted">${[me.organisation, me.role].filter(Boolean).join(' · ')}</span></p>
    <div id="phone-notice" class="notice phone-notice" role="status" ?hidden=${!page.notice}>
      <p id="phone-notice-text">${page.notice}</p>
      <button type="button" class="link" @click=${() => notify('')}>OK</button>
    </div>
    <section id="live-area" class="live-area" aria-live="polite">${shown}</section>
    <p class="leave"><button type="button" class="link" @click=${leave}>${
      me.name ? `Not ${me.name}? Leave` : 'Leave'}</button></p>`;
}

function ctxFor(activity, me, workshop) {
  return {
    role: 'delegate',
    request,
    submit: outbox.submit,
    waiting: outbox.waiting,
    returned: outbox.returned,
    serverNow: live.serverNow,
    local: locals.of(activity.id),
    rerender: redraw,
    me,
    workshop,
  };
}

async function leave() {
  if (!window.confirm('Leave the workshop on this phone? You can join again afterwards.')) return;
  const answer = await live.request('delegate:leave');
  if (answer.ok || answer.error === 'not_joined') {
    storeToken(null);
    outbox.forget();
  }
}

loadKinds().then(() => {
  page.kinds = true;
  redraw();
});
