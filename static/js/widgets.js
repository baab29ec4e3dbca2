// Pieces every screen and kind draws with: countdowns and other text that follows
// the clock, and drawing a screen's part so that focus survives the update.
import { html, render } from '../vendor/lit-html/lit-html.js';
import { AsyncDirective, directive } from '../vendor/lit-html/async-directive.js';
import { everyTick, formatRemaining, serverNow } from './clock.js';

export { formatRemaining };

// ticking((nowMs) => template): drawn again on every tick of the clock (the server's
// time), for as long as it is on the page; lit changes only what differs.
class Ticking extends AsyncDirective {
  render(draw) {
    return draw(serverNow());
  }

  update(part, [draw]) {
    this.draw = draw;
    if (this.isConnected) this.follow();
    return this.render(draw);
  }

  follow() {
    this.stop ??= everyTick((now) => this.setValue(this.draw(now)));
  }

  disconnected() {
    this.stop?.();
    this.stop = undefined;
  }

  reconnected() {
    this.follow();
  }
}

export const ticking = directive(Ticking);

// The time left until deadlineMs (server time) as m:ss, marked as ending in its last
// 30 s and over at 0.
export function countdown(deadlineMs, { small = false } = {}) {
  return ticking((now) => {
    const left = deadlineMs - now;
    const state = left <= 0 ? 'over' : left < 30000 ? 'ending' : '';
    return html`<span class="timer-value ${small ? 'small' : ''} ${state}" role="timer"
      aria-live="off">${formatRemaining(left)}</span>`;
  });
}

// A countdown to deadlineSeconds (server time, Unix seconds), labelled for screen readers.
export function timer(deadlineSeconds, label = 'Time left') {
  return html`<p class="timer"><span class="visually-hidden">${label}: </span>${
    countdown(Math.round(deadlineSeconds * 1000))}</p>`;
}

const painted = new WeakSet();

// The nearest control beside el that can take the focus (el has just been disabled).
function neighbour(el) {
  const siblings = [...el.parentElement.children];
  const away = (c) => Math.abs(siblings.indexOf(c) - siblings.indexOf(el));
  return siblings.filter((c) => c !== el && 'disabled' in c && !c.disabled).sort((a, b) => away(a) - away(b))[0];
}

const place = (row) => (row ? [...row.parentElement.children].indexOf(row) : -1);

// Draw template into root, in place of what the page had there at first ("Loading…").
// A keyed list that moves the focused element's row (moved up) takes the focus from
// it; this gives it back, or to its neighbour if it is now disabled (the row is first).
export function paint(template, root) {
  if (!painted.has(root)) {
    root.replaceChildren();
    painted.add(root);
  }
  const focused = document.activeElement;
  const row = focused?.closest('li, tr');
  const was = place(row);
  render(template, root);
  if (focused && focused !== document.activeElement && focused.isConnected && root.contains(focused)) {
    const moved = row?.isConnected && place(row) !== was;
    (!focused.disabled ? focused : moved ? neighbour(focused) : null)?.focus({ preventScroll: true });
  }
}

// A function that draws once, soon, however often it is called before then.
export function redrawer(draw) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      draw();
    });
  };
}
