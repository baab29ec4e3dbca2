// Countdowns against the server's clock: elements carry data-deadline (server ms).
export function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

// Which Troika phase is on now: turns repeat the phases; member `turn` is the client.
export function phaseAt(round, nowMs) {
  const phases = round.phases || [];
  if (!phases.length) return null;
  const turnSeconds = phases.reduce((sum, p) => sum + p.seconds, 0);
  let elapsed = Math.max(0, nowMs / 1000 - round.started_at);
  const turn = Math.min(round.turns - 1, Math.floor(elapsed / turnSeconds));
  elapsed -= turn * turnSeconds;
  let start = round.started_at + turn * turnSeconds;
  for (const [index, phase] of phases.entries()) {
    if (elapsed < phase.seconds || index === phases.length - 1) {
      return { turn, index, label: phase.label, endsAt: (start + phase.seconds) * 1000 };
    }
    elapsed -= phase.seconds;
    start += phase.seconds;
  }
  return null;
}

const tickers = new Set();

// Run fn(nowMs) four times a second while the page is open.
export function everyTick(fn) {
  tickers.add(fn);
  return () => tickers.delete(fn);
}

export function startClock(serverNow) {
  const tick = () => {
    const now = serverNow();
    document.querySelectorAll('[data-deadline]').forEach((el) => {
      const left = Number(el.dataset.deadline) - now;
      el.textContent = formatRemaining(left);
      el.classList.toggle('ending', left < 30000 && left > 0);
      el.classList.toggle('over', left <= 0);
    });
    tickers.forEach((fn) => fn(now));
  };
  tick();
  return setInterval(tick, 250);
}
