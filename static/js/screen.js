// The projector: the join screen when nothing is live, else the live activity with a
// join banner.
import { html } from '../vendor/lit-html/lit-html.js';
import { createLocals, drawActivity, loadKinds } from './kinds.js';
import { connectLive } from './live.js';
import { createState } from './state.js';
import { paint, redrawer } from './widgets.js';

const key = decodeURIComponent(location.pathname.split('/').pop());
const $ = (id) => document.getElementById(id);
const liveEl = $('live');
const MIN_FIT = 0.45;

const state = createState();
const page = { kinds: false, presence: null, stopped: false };
const locals = createLocals();

// Shrink the live activity's text (never grow it) until it fits the screen above the
// join banner: the largest --fit that fits, found by halving. Run after every draw and
// whenever anything in or around the live area changes size or content (a countdown
// starting, results arriving, the banner's QR code loading, the window resizing).
function overflows() {
  return liveEl.scrollHeight > liveEl.clientHeight + 1 || liveEl.scrollWidth > liveEl.clientWidth + 1;
}
function fit() {
  if (liveEl.hidden) return;
  liveEl.style.setProperty('--fit', 1);
  let fits = 1;
  if (overflows()) {
    let low = MIN_FIT;
    let high = 1;
    for (let i = 0; i < 7; i += 1) {
      const middle = (low + high) / 2;
      liveEl.style.setProperty('--fit', middle);
      if (overflows()) high = middle; else low = middle;
    }
    fits = low;
    liveEl.style.setProperty('--fit', fits);
  }
  liveEl.dataset.fit = fits.toFixed(2);
}
let fitting = 0;
function refit() {
  if (!fitting) fitting = requestAnimationFrame(() => { fitting = 0; fit(); });
}
new ResizeObserver(refit).observe(liveEl);
new ResizeObserver(refit).observe($('join-banner'));
new MutationObserver(refit).observe(liveEl, { childList: true, characterData: true, subtree: true });
window.addEventListener('resize', refit);

function draw() {
  if (page.stopped) return;
  const workshop = state.snapshot?.workshop;
  if (workshop) {
    $('workshop-title').textContent = workshop.title;
    // "Blank the projector": the room sees nothing until the facilitator brings it back.
    document.body.classList.toggle('blanked', Boolean(workshop.blank));
  }
  const p = page.presence;
  $('presence').textContent = p ? `${p.joined} joined · ${p.online} connected${
    p.simulated ? ` · rehearsal: ${p.simulated} simulated` : ''}` : '';
  const activity = page.kinds ? state.activity : null;
  $('join-screen').hidden = Boolean(activity);
  liveEl.hidden = !activity;
  $('join-banner').hidden = !activity;
  locals.keep(activity?.id);
  paint(activity ? drawActivity('screen', activity, {
    role: 'screen',
    request: live.request,
    serverNow: live.serverNow,
    local: locals.of(activity.id),
    rerender: redraw,
    workshop,
  }) : null, liveEl);
  fit();
}
const redraw = redrawer(draw);

// The link was replaced, or the workshop deleted: say so, and nothing else.
function stop(message) {
  page.stopped = true;
  paint(html`<p class="screen-message">${message}</p>`, $('app'));
}

const live = connectLive({
  role: 'screen', key, state, changed: redraw,
  onSnapshot(snap) {
    page.presence = snap.presence;
    redraw();
  },
  handlers: {
    presence(p) {
      page.presence = p;
      redraw();
    },
    revoked: (msg) => stop(msg.message),
    fatal: stop,
  },
});

loadKinds().then(() => {
  page.kinds = true;
  redraw();
});
