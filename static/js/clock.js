// The server's clock, and one tick a quarter of a second for everything on the page
// that counts down (see widgets.js).
let now = () => Date.now();

export function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

// The server's time now, in ms (the page's own until startClock is given the server's).
export function serverNow() {
  return now();
}

const tickers = new Set();

// Run fn(nowMs) four times a second while the page is open; returns the way to stop.
export function everyTick(fn) {
  tickers.add(fn);
  return () => tickers.delete(fn);
}

let interval = null;

export function startClock(serverClock) {
  now = serverClock;
  if (interval === null) interval = setInterval(() => tickers.forEach((fn) => fn(now())), 250);
}
