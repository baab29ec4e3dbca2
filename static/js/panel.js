// The panel screen: what is live now (Q&A moderation and reading build on this).
import { $, h, replace } from './dom.js';
import { connectLive } from './live.js';
import { renderActivity } from './activities.js';

const key = decodeURIComponent(location.pathname.split('/').pop());

function render(liveState) {
  const activity = liveState?.activity;
  replace($('#live'), activity ? renderActivity(activity)
    : h('p', { class: 'muted' }, 'The join screen is showing.'));
}

connectLive({
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
