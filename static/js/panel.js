// The panel screen: moderate and read Q&A sessions; see what is on the big screen.
import { $, h, replace } from './dom.js';
import { connectLive } from './live.js';
import { refreshTicking, renderActivity } from './activities.js';
import { everyTick, startClock } from './clock.js';
import { createQaPanel } from './qa-panel.js';
import { qaHandlers } from './qa-state.js';

const key = decodeURIComponent(location.pathname.split('/').pop());
const state = { runsheet: [], live: null };

function renderLive() {
  const activity = state.live?.activity;
  replace($('#live'), activity ? renderActivity(activity)
    : h('p', { class: 'muted' }, 'The join screen is showing.'));
}

function renderSessions() {
  const sessions = state.runsheet.filter((a) => ['qa', 'reflection', 'ideas'].includes(a.kind));
  const current = qa.current()?.activity_id;
  if (!sessions.length) {
    replace($('#sessions'), h('p', { class: 'muted' }, 'Audience questions appear here when the facilitator adds a Q&A session.'));
    return;
  }
  const select = h('select', { id: 'session', 'aria-label': 'Q&A session' },
    sessions.map((s) => h('option', { value: s.id, selected: s.id === current }, s.title)));
  select.addEventListener('change', () => qa.open(Number(select.value)));
  replace($('#sessions'), sessions.length > 1 ? [h('label', { for: 'session' }, 'Session '), select] : null);
  if (!current) qa.open(sessions[0].id);
}

const live = connectLive({
  auth: () => ({ role: 'panel', key }),
  statusEl: $('#status'),
  onSnapshot(snap) {
    $('#workshop-title').textContent = snap.workshop.title;
    state.runsheet = snap.runsheet;
    state.live = snap.live;
    if (snap.control?.questions) qa.show(snap.control);
    renderLive();
    renderSessions();
  },
  handlers: {
    live(liveState) {
      state.live = liveState;
      const activity = liveState.activity;
      if (['qa', 'reflection', 'ideas'].includes(activity?.kind) && qa.current()?.activity_id !== activity.id) qa.open(activity.id);
      renderLive();
    },
    runsheet(list) { state.runsheet = list; renderSessions(); },
    ...qaHandlers(() => state.live?.activity, renderLive),
    results({ activity_id: id, results }) {
      if (state.live?.activity?.id === id) { state.live.activity.results = results; renderLive(); }
    },
    workshop(w) { $('#workshop-title').textContent = w.title; },
    revoked(msg) { replace($('#app'), h('p', { class: 'error' }, msg.message)); },
    fatal(message) { replace($('#app'), h('p', { class: 'error', role: 'alert' }, message)); },
  },
});

const qa = createQaPanel({ live, root: $('#qa') });
Object.entries(qa.handlers).forEach(([event, fn]) => live.socket.on(event, fn));

startClock(live.serverNow);
everyTick((now) => refreshTicking(document, now));
