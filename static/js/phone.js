// The delegate's phone: join (walk-in or "that's me"), then follow the live state.
import { $, h, replace } from './dom.js';
import { connectLive } from './live.js';
import { refreshTicking, renderActivity } from './activities.js';
import { startClock, everyTick } from './clock.js';
import { renderConnect } from './connect-phone.js';
import { createQaPhone } from './qa-phone.js';
import { createPromptPhone } from './prompt-phone.js';
import { POST_KINDS, PROMPT_KINDS } from './activities.js';
import { qaHandlers } from './qa-state.js';

const app = $('#app');
const code = app.dataset.code;
const tokenKey = `workshop:${code}:token`;
const NOTICES = {
  unknown: 'We could not find your earlier sign-in, so please join again.',
  released: 'The facilitator has released your name. Please join again.',
};

const state = { snap: null, live: null, mine: null, notice: '', regroupNotice: '', actionError: '' };

function storedToken() {
  try { return localStorage.getItem(tokenKey); } catch { return null; }
}
function storeToken(token) {
  try {
    if (token) localStorage.setItem(tokenKey, token); else localStorage.removeItem(tokenKey);
  } catch { /* private mode: the session still works until reload */ }
}

const live = connectLive({
  auth: () => ({ role: 'delegate', code, token: storedToken() }),
  statusEl: $('#status'),
  noticeEl: $('#connection-notice'),
  onSnapshot(snap) {
    state.snap = snap;
    state.live = snap.live;
    state.mine = snap.mine || null;
    $('#workshop-title').textContent = snap.workshop.title;
    if (snap.me === null) {
      if (storedToken() && snap.token_status !== 'ok') storeToken(null);
      if (NOTICES[snap.token_status]) state.notice = NOTICES[snap.token_status];
      // A reconnect must not wipe what the person is typing.
      if (!app.querySelector('#join-form')) renderJoin();
      else updateSuggestions();
    } else {
      // Right after joining, the snapshot carries the new token.
      if (snap.token) storeToken(snap.token);
      state.notice = '';
      renderJoined();
      qaPhone.resend();
      promptPhone.resend();
    }
  },
  handlers: {
    async live(liveState) {
      const before = state.live?.activity?.id;
      state.live = liveState;
      const now = liveState.activity?.id;
      if (now !== before) {
        state.mine = null;
        if ('mine' in liveState) {
          state.mine = liveState.mine;  // the same for every phone: nothing to ask
        } else if (now && state.snap?.me) {
          const answer = await live.request('live:mine');
          if (answer.ok && answer.activity_id === state.live?.activity?.id) state.mine = answer.mine;
        }
      }
      if (state.snap?.me) renderLive();
    },
    mine(mine) { state.mine = mine; if (state.snap?.me) renderLive(); },
    'qa:mine': (question) => qaPhone.mineChanged(question),
    results({ activity_id: id, results }) {
      if (state.live?.activity?.id === id) { state.live.activity.results = results; renderLive(); }
    },
    ...qaHandlers(() => state.live?.activity, () => { if (state.snap?.me) renderLive(); }),
    workshop(workshop) {
      const doorsBefore = state.snap.workshop.doors;
      state.snap.workshop = workshop;
      $('#workshop-title').textContent = workshop.title;
      if (!state.snap.me && workshop.doors !== doorsBefore) renderJoin();
    },
    fatal(message, reason) {
      if (['deleted', 'unknown_code', 'removed'].includes(reason)) forgetWorkshop();
      replace(app, h('p', { class: 'error', role: 'alert' }, message));
    },
  },
});

// A deleted workshop leaves nothing on the phone: its token, unsent questions and answers.
function forgetWorkshop() {
  try {
    const prefix = `workshop:${code}:`;
    Object.keys(localStorage).filter((k) => k.startsWith(prefix)).forEach((k) => localStorage.removeItem(k));
  } catch { /* private mode: nothing was kept */ }
}

function field(id, label, attrs, hint) {
  return [
    h('label', { for: id }, label, hint ? h('span', { class: 'hint' }, ` ${hint}`) : null),
    h('input', { id, name: id, ...attrs }),
  ];
}

function renderJoin() {
  const { workshop } = state.snap;
  const heading = h('h1', {}, 'Join ', h('span', { class: 'nowrap' }, `“${workshop.title}”`));
  const notice = state.notice ? h('p', { class: 'notice', role: 'status' }, state.notice) : null;
  if (workshop.doors === 'closed') {
    replace(app, heading, notice, h('p', { class: 'notice', role: 'status' },
      'The facilitator has closed the doors: nobody new can join now. ',
      'If you should be in, speak to the facilitator; this page will let you in when they open them.'));
    return;
  }
  const typed = $('#name')?.value || '';
  const walkIns = workshop.doors !== 'roster';
  const form = h('form', { id: 'join-form', class: 'stack', novalidate: true },
    walkIns ? null : h('p', { class: 'notice', role: 'status' },
      'Only people on the delegate list can join now: type your name, then tap it.'),
    field('name', 'Your name', { autocomplete: 'name', maxlength: 80, required: workshop.require_name, value: typed },
      workshop.require_name || !walkIns ? '' : '(optional)'),
    h('div', { id: 'roster-matches', 'aria-live': 'polite' }),
    walkIns ? [
      field('organisation', 'Your organisation',
        { autocomplete: 'organization', maxlength: 120, required: true, list: 'organisations' }),
      h('datalist', { id: 'organisations' }),
      field('role', 'Your role', { autocomplete: 'organization-title', maxlength: 80 }, '(optional)'),
      h('button', { type: 'submit', class: 'big' }, 'Join'),
    ] : null,
    h('p', { class: 'error', id: 'join-error', role: 'alert' }));
  replace(app, heading, notice, form);
  if (typed) searchRoster();
  updateSuggestions();
  let searchTimer = null;
  $('#name').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchRoster, 250);
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    await submit('delegate:join', data, form);
  });
}

function updateSuggestions() {
  const list = $('#organisations');
  if (list) replace(list, (state.snap.organisations || []).map((o) => h('option', { value: o })));
}

async function searchRoster() {
  const box = $('#roster-matches');
  const q = $('#name')?.value || '';
  if (!box) return;
  if (q.trim().length < 2) { replace(box); return; }
  const answer = await live.request('roster:search', { q });
  if (!answer.ok || !answer.matches.length) { replace(box); return; }
  showMatches(box, answer.matches, 'On the delegate list? Tap your name:');
}

// Roster entries offered to claim, each with its "That's me" button.
function showMatches(box, matches, hint) {
  replace(box, h('p', { class: 'hint' }, hint),
    h('ul', { class: 'matches' }, matches.map((m) => h('li', {},
      h('button', {
        type: 'button', class: 'match',
        onclick: (e) => submit('delegate:claim', { delegate_id: m.id }, e.target.closest('form')),
      }, h('strong', {}, m.name), h('span', {}, [m.organisation, m.role].filter(Boolean).join(' · ')),
      h('span', { class: 'thats-me' }, "That's me"))))));
}

async function submit(event, data, form) {
  const errorEl = $('#join-error');
  const buttons = form.querySelectorAll('button');
  buttons.forEach((b) => { b.disabled = true; });
  errorEl.textContent = '';
  const answer = await live.request(event, data);
  buttons.forEach((b) => { b.disabled = false; });
  if (answer.ok) {
    storeToken(answer.token);
    return;  // the joined view is drawn from the snapshot that came with it
  }
  errorEl.textContent = answer.message;
  if (answer.field) form.querySelector(`[name="${answer.field}"]`)?.focus();
  const box = $('#roster-matches');
  if (answer.error === 'on_roster' && box) {
    // The name reads the same as a roster entry's (perhaps typed with look-alike
    // letters): offer that entry, or the person changes the name and joins again.
    const matches = answer.matches || (answer.match ? [answer.match] : []);
    if (matches.length) showMatches(box, matches, 'Is this you? Tap your name, or change the name you typed:');
    else searchRoster();
  } else if (['name_taken', 'name_removed'].includes(answer.error) && box) {
    replace(box);  // nothing to claim: the message says whom to ask
  }
}

function renderJoined() {
  const { me } = state.snap;
  replace(app,
    h('p', { class: 'me' }, h('span', { class: 'me-name' }, me.name || 'You'),
      h('span', { class: 'muted' }, [me.organisation, me.role].filter(Boolean).join(' · '))),
    h('div', { id: 'phone-notice', class: 'notice phone-notice', role: 'status', hidden: true },
      h('p', { id: 'phone-notice-text' }),
      h('button', { type: 'button', class: 'link', onclick: () => { $('#phone-notice').hidden = true; } }, 'OK')),
    h('section', { id: 'live-area', class: 'live-area', 'aria-live': 'polite' }),
    h('p', { class: 'leave' }, h('button', { type: 'button', class: 'link', onclick: leave },
      me.name ? `Not ${me.name}? Leave` : 'Leave')));
  renderLive();
}

// A phone action on the live activity; its result arrives as `mine` / `live`.
async function act(event, data = {}) {
  const answer = await live.request(event, data);
  state.actionError = answer.ok ? '' : answer.message;
  if (answer.regroup_at) {
    const at = new Date(answer.regroup_at * 1000 - (live.serverNow() - Date.now()));
    const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    state.regroupNotice = `If they haven't turned up by ${time}, we'll put you with someone else.`;
  }
  renderLive();
}

function renderLive() {
  const area = $('#live-area');
  if (!area) return;
  const activity = state.live?.activity;
  if (POST_KINDS.includes(activity?.kind)) {
    qaPhone.render(area, activity, state.mine);
    return;
  }
  if (PROMPT_KINDS.includes(activity?.kind)) {
    promptPhone.render(area, activity, state.mine);
    return;
  }
  if (activity?.kind === 'connect') {
    replace(area, h('article', { class: 'activity activity-connect' },
      renderConnect(activity, state.mine, act, state.regroupNotice, live.serverNow())),
    h('p', { class: 'error', role: 'alert' }, state.actionError));
    return;
  }
  replace(area, activity ? renderActivity(activity) : h('div', { class: 'waiting' },
    h('h2', {}, "You're in"),
    h('p', {}, 'Keep this page open: it changes by itself when the facilitator starts something.')));
}

// Something the phone must hear about whatever is on screen (an answer sent while
// offline that the server turned down): shown until dismissed.
function notify(text) {
  const box = $('#phone-notice');
  if (!box) return;
  $('#phone-notice-text').textContent = text;
  box.hidden = false;
}

const qaPhone = createQaPhone({ live, code, notify });
const promptPhone = createPromptPhone({ live, code, notify });
startClock(live.serverNow);
everyTick((now) => refreshTicking(app, now));

async function leave() {
  if (!window.confirm('Leave the workshop on this phone? You can join again afterwards.')) return;
  const answer = await live.request('delegate:leave');
  if (answer.ok || answer.error === 'not_joined') storeToken(null);
}
