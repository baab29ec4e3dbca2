// The one live connection every screen uses: auth on each (re)connect, a
// status line, acknowledged requests, a fresh snapshot after reconnects, and the
// server's clock for the page's countdowns (clock.js).
import { io } from '../vendor/socket.io/socket.io.esm.min.js';
import { startClock } from './clock.js';
import { applyEvent, stateHandlers } from './state.js';

const FATAL = {
  unknown_code: 'This workshop no longer exists. Check the code on the big screen.',
  invalid_link: 'This link is not valid any more. Ask the facilitator for the current one.',
  bad_auth: 'This page could not identify itself to the server. Reload it.',
};

const PAUSED = {
  rate_limited: { text: 'Paused: too many actions from this phone. Back in 30 s…', ms: 30000 },
  too_many_attempts: { text: 'Too many wrong codes from this network. Retrying…', ms: 5000 },
  // The server has as many phones as it takes; the refused ones must not all come back
  // at the same moment, so each waits 45-75 s.
  room_full: {
    text: 'Room full: waiting…', ms: 60000, spread: 15000,
    notice: 'The room is full: the server has as many phones connected as it can take '
      + 'right now. Keep this page open: it tries again by itself in about a minute. '
      + 'If you have this workshop open on another phone or tab, closing it frees a place.',
  },
};

export function connectLive({
  role, key, auth = () => ({ role, key }), state, changed, onSnapshot, handlers: own = {},
  statusEl = document.getElementById('status'), noticeEl,
}) {
  // A screen opened by a link sends its `role` and `key`; a phone, its own `auth()`.
  // With `state` (state.js), the snapshot and the state events are applied to it
  // before `onSnapshot(snap, previous snapshot)` and `changed(event, data)` are
  // called; `handlers` take the events they name over.
  const handlers = state ? { ...stateHandlers(state, changed), ...own } : own;
  const socket = io({
    auth: (cb) => cb(auth()),
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    timeout: 8000,
  });
  let clockOffset = 0;
  let ended = false;  // the workshop was deleted: never reconnect

  const status = (text, state) => {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.dataset.state = state;
  };

  // A longer explanation than the status line has room for; empty hides it.
  const notice = (text) => { if (noticeEl) noticeEl.textContent = text; };

  socket.on('connect', () => { status('Live', 'ok'); notice(''); });
  socket.on('disconnect', (reason) => {
    if (ended) return;
    if (reason === 'io server disconnect') status('Disconnected', 'error');
    else status('Reconnecting…', 'warn');
  });
  socket.on('connect_error', (err) => {
    notice(PAUSED[err.message]?.notice || '');
    if (FATAL[err.message]) {
      status('Not connected', 'error');
      handlers.fatal?.(FATAL[err.message], err.message);
    } else if (PAUSED[err.message]) {
      // The server asked this page to wait: try again later, by itself.
      const { text, ms, spread = 0 } = PAUSED[err.message];
      status(text, 'warn');
      const wait = ms + (Math.random() * 2 - 1) * spread;
      setTimeout(() => { if (!ended && !socket.connected) socket.connect(); }, wait);
    } else {
      status('Reconnecting…', 'warn');
    }
  });
  // Every screen: the facilitator deleted the workshop; the server disconnects us next.
  socket.on('workshop:deleted', (msg) => {
    ended = true;
    socket.disconnect();
    status('Workshop deleted', 'error');
    handlers.fatal?.(msg?.message || FATAL.unknown_code, 'deleted');
  });
  // A phone: the facilitator removed this delegate from the workshop.
  socket.on('delegate:removed', (msg) => {
    ended = true;
    socket.disconnect();
    status('Removed', 'error');
    handlers.fatal?.(msg?.message || 'The facilitator has removed you from this workshop.', 'removed');
  });
  socket.on('snapshot', (snap) => {
    clockOffset = snap.server_time * 1000 - Date.now();
    const previous = state?.snapshot;
    if (state) applyEvent(state, 'snapshot', snap);
    onSnapshot(snap, previous);
  });
  for (const [event, fn] of Object.entries(handlers)) {
    if (event !== 'fatal') socket.on(event, fn);
  }

  // A phone waking from sleep or rejoining Wi-Fi should not wait for the back-off.
  const wake = () => { if (!socket.connected && !ended) socket.connect(); };
  document.addEventListener('visibilitychange', () => { if (!document.hidden) wake(); });
  window.addEventListener('online', wake);
  window.addEventListener('pageshow', wake);

  const serverNow = () => Date.now() + clockOffset;
  startClock(serverNow);

  return {
    socket,
    serverNow,
    // Send an event and wait for its acknowledgement; never rejects.
    async request(event, data = {}, timeoutMs = 8000) {
      if (!socket.connected) {
        return { ok: false, error: 'offline', message: 'Not connected: waiting for the network…' };
      }
      try {
        return await socket.timeout(timeoutMs).emitWithAck(event, data);
      } catch {
        return { ok: false, error: 'timeout', message: 'The server did not answer in time; try again.' };
      }
    },
  };
}
