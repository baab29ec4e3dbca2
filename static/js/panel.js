// The panel screen: moderators and panellists work on an activity (the live one by
// default) with its kind's panel renderer, and see what is on the big screen.
import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { keyed } from '../vendor/lit-html/directives/keyed.js';
import { repeat } from '../vendor/lit-html/directives/repeat.js';
import { createLocals, drawActivity, drawPart, loadKinds, rendererOf } from './kinds.js';
import { connectLive } from './live.js';
import { applyEvent, createState } from './state.js';
import { paint, redrawer } from './widgets.js';

const key = decodeURIComponent(location.pathname.split('/').pop());
const $ = (id) => document.getElementById(id);

const state = createState();
// whole: activities not live of which the panel holds the whole view (not just the
// items `view` updates brought).
const page = { kinds: false, runsheet: [], chosen: null, whole: new Set(), stopped: false };
const locals = createLocals();

// The run sheet's activities the panel works on: those of kinds with a panel renderer.
const sessions = () => (page.kinds ? page.runsheet.filter((a) => rendererOf(a.kind).panel) : []);

// The one worked on: the one chosen, else the live one if it is a session, else the first.
function chosen() {
  const list = sessions();
  return list.find((a) => a.id === page.chosen) || list.find((a) => a.id === state.activity?.id) || list[0];
}

function ctxFor(activity, extra = {}) {
  return {
    role: 'panel',
    request: live.request,
    serverNow: live.serverNow,
    local: locals.of(activity.id),
    rerender: redraw,
    workshop: state.snapshot?.workshop,
    ...extra,
  };
}

function picker(list, current) {
  if (!page.kinds) return nothing;
  if (!list.length) {
    return html`<p class="muted">Sessions to moderate appear here when the facilitator adds them
      to the run sheet.</p>`;
  }
  if (list.length < 2) return nothing;
  return html`<label for="session">Session </label>
    <select id="session" @change=${(event) => { page.chosen = Number(event.target.value); redraw(); }}>
      ${repeat(list, (a) => a.id, (a) => html`<option value=${a.id} .selected=${a.id === current.id}>${a.title}${
        a.id === state.activity?.id ? ' (live)' : ''}</option>`)}
    </select>`;
}

function work(session) {
  if (!session) return nothing;
  const isLive = session.id === state.activity?.id;
  const held = isLive || page.whole.has(session.id);
  const activity = isLive ? state.activity : { ...session, ...state.views.get(session.id) };
  return keyed(session.id, drawPart('panel', activity, ctxFor(activity, {
    live: isLive,
    held,
    hold(view) {
      state.views.set(session.id, { ...view });
      page.whole.add(session.id);
      redraw();
    },
  })));
}

function draw() {
  if (page.stopped) return;
  const workshop = state.snapshot?.workshop;
  if (workshop) $('workshop-title').textContent = workshop.title;
  const list = sessions();
  const session = chosen();
  const activity = state.activity;
  locals.keep(activity?.id, session?.id);
  paint(picker(list, session), $('sessions'));
  paint(work(session), $('work'));
  paint(activity && page.kinds ? drawActivity('screen', activity, ctxFor(activity, { live: true, held: true }))
    : html`<p class="muted">The join screen is showing.</p>`, $('live'));
}
const redraw = redrawer(draw);

function stop(message, alert) {
  page.stopped = true;
  paint(html`<p class="error" role=${alert ? 'alert' : nothing}>${message}</p>`, $('app'));
}

const live = connectLive({
  role: 'panel', key, state, changed: redraw,
  onSnapshot(snap) {
    page.runsheet = snap.runsheet;
    page.whole.clear();
    redraw();
  },
  handlers: {
    live(data) {
      const before = state.activity;
      const now = data.activity;
      // What the panel held of the activity that was live stays up to date with `view`.
      if (before && before.id !== now?.id) {
        state.views.set(before.id, before);
        page.whole.add(before.id);
      }
      applyEvent(state, 'live', data);
      // A session going live is the one to work on, as the room moves to it.
      if (now && now.id !== before?.id && rendererOf(now.kind).panel) page.chosen = now.id;
      redraw();
    },
    runsheet(list) {
      page.runsheet = list;
      redraw();
    },
    revoked: (msg) => stop(msg.message, false),
    fatal: (message) => stop(message, true),
  },
});

loadKinds().then(() => {
  page.kinds = true;
  redraw();
});
