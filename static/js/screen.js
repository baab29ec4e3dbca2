// The projector: the join screen when nothing is live, else the live activity with a join banner.
import { $, h, replace } from './dom.js';
import { connectLive } from './live.js';
import { refreshTicking, renderActivity } from './activities.js';
import { everyTick, startClock } from './clock.js';
import { qaHandlers } from './qa-state.js';

const key = decodeURIComponent(location.pathname.split('/').pop());
const liveEl = $('#live');
const MIN_FIT = 0.45;

function showProgress(p) {
  const el = $('#progress');
  if (el) el.textContent = p?.round && p.placed ? `${p.found} of ${p.placed} have found their group` : '';
}

function showPresence(p) {
  $('#presence').textContent = `${p.joined} joined · ${p.online} connected`;
}

// Shrink the live activity's text (never grow it) until it fits the screen.
function fit() {
  if (liveEl.hidden) return;
  let scale = 1;
  liveEl.style.setProperty('--fit', scale);
  while (liveEl.scrollHeight > liveEl.clientHeight + 1 && scale > MIN_FIT) {
    scale = Math.max(MIN_FIT, scale - 0.05);
    liveEl.style.setProperty('--fit', scale);
  }
}

let current = null;
// A prompt showing results live: its last results, kept across `live` updates
// (a timer change, closing) that carry none.
const shownResults = new Map();

// "Blank the projector": the room sees nothing until the facilitator brings it back.
function blank(on) {
  document.body.classList.toggle('blanked', Boolean(on));
}

function render(liveState) {
  current = liveState;
  const a = liveState?.activity;
  if (a && a.results === null && shownResults.has(a.id)) a.results = shownResults.get(a.id);
  const activity = liveState?.activity;
  $('#join-screen').hidden = Boolean(activity);
  liveEl.hidden = !activity;
  $('#join-banner').hidden = !activity;
  replace(liveEl, renderActivity(activity));
  if (activity?.kind !== 'connect') showProgress(null);
  fit();
}
window.addEventListener('resize', fit);

const live = connectLive({
  auth: () => ({ role: 'screen', key }),
  statusEl: $('#status'),
  onSnapshot(snap) {
    $('#workshop-title').textContent = snap.workshop.title;
    blank(snap.workshop.blank);
    if (snap.progress?.results) shownResults.set(snap.progress.activity_id, snap.progress.results);
    showPresence(snap.presence);
    render(snap.live);
    showProgress(snap.progress);
  },
  handlers: {
    live: render,
    presence: showPresence,
    progress(p) {
      const activity = current?.activity;
      if (activity?.kind === 'qa') {
        if (activity.counts) { activity.counts = p; render(current); }
      } else if (p?.results) {
        shownResults.set(p.activity_id, p.results);
      } else {
        showProgress(p);
      }
    },
    ...qaHandlers(() => current?.activity, () => render(current)),
    results({ activity_id: id, results }) {
      shownResults.set(id, results);
      if (current?.activity?.id === id) { current.activity.results = results; render(current); }
    },
    workshop(w) { $('#workshop-title').textContent = w.title; blank(w.blank); },
    revoked(msg) { replace($('#app'), h('p', { class: 'screen-message' }, msg.message)); },
    fatal(message) { replace($('#app'), h('p', { class: 'screen-message' }, message)); },
  },
});

startClock(live.serverNow);
everyTick((now) => refreshTicking(liveEl, now));
