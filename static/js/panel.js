// The panel screen: what is live now (Q&A moderation and reading build on this).
import { $, h, replace } from './dom.js';
import { connectLive } from './live.js';
import { refreshTicking, renderActivity } from './activities.js';
import { everyTick, startClock } from './clock.js';

const key = decodeURIComponent(location.pathname.split('/').pop());

function render(liveState) {
  const activity = liveState?.activity;
  replace($('#live'), activity ? renderActivity(activity)
    : h('p', { class: 'muted' }, 'The join screen is showing.'));
}

const live = connectLive({
  auth: () => ({ role: 'panel', key }),
  statusEl: $('#status'),
  onSnapshot(snap) { $('#workshop-title').textContent = snap.workshop.title; render(snap.live); },
  handlers: {
    live: render,
    workshop(w) { $('#workshop-title').textContent = w.title; },
    revoked(msg) { replace($('#app'), h('p', { class: 'error' }, msg.message)); },
    fatal(message) { replace($('#app'), h('p', { class: 'error', role: 'alert' }, message)); },
  },
});

startClock(live.serverNow);
everyTick((now) => refreshTicking(document, now));
