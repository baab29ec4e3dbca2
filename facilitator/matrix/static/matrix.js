// The 2×2 matrix kind's renderers (see static/js/kinds.js), built on the prompts'
// shared frame. A phone places each item with two sliders (native range inputs:
// dragged, tapped or moved with the arrow keys); an item counts once both are set.
// The room's view is the grid: each item at its mean as a numbered dot, named in
// the key beside it, so that long names never overlap on the grid.
import { html, nothing, svg } from '/static/vendor/lit-html/lit-html.js';
import { live } from '/static/vendor/lit-html/directives/live.js';
import { ref } from '/static/vendor/lit-html/directives/ref.js';
import { promptKind } from '/kinds/prompts/kit.js';

const AXES = ['y', 'x'];  // the vertical scale is asked first
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
// Set a CSS custom property through the CSSOM (the CSP allows no style attribute).
const cssVar = (name, value) => ref((el) => el?.style.setProperty(name, value));

// --- the phone ------------------------------------------------------------------

// The placings being made: per item {y, x}, each a number or null (not set yet).
function placingsOf(activity, draft, answer) {
  if (draft.value) return draft.value;
  const out = activity.items.map(() => ({ y: null, x: null }));
  for (const p of answer?.placed ?? []) if (out[p.item]) out[p.item] = { y: p.y, x: p.x };
  return out;
}

const isPlaced = (p) => p.y !== null && p.x !== null;

function slider(activity, item, axis, placings, now, draft) {
  const scale = activity.scales[axis];
  const value = placings[item][axis];
  const id = `matrix-${item}-${axis}`;
  const name = activity.items[item];
  const set = (v) => {
    const next = now().map((p, i) => (i === item ? { ...p, [axis]: v } : p));
    const other = next[item][axis === 'y' ? 'x' : 'y'];
    const scaleOther = activity.scales[axis === 'y' ? 'x' : 'y'].name;
    draft.set(next, other === null ? `${name}: ${scale.name} ${v}. Now set ${scaleOther}.` : '');
  };
  // A tap on the thumb where it already is sets that value too, as do Enter and Space.
  const setHere = (e) => {
    if (e.type === 'keyup' && e.key !== 'Enter' && e.key !== ' ') return;
    if (now()[item][axis] === null) set(Number(e.target.value));
  };
  return html`<div class="matrix-slider ${value === null ? 'unset' : ''}">
    <label for=${id}><span class="matrix-scale">${scale.name}</span>
      <output for=${id} class="matrix-value">${value === null ? 'not set' : value}</output></label>
    <input id=${id} type="range" min=${activity.low} max=${activity.high} step="1"
      .value=${live(String(value ?? Math.floor((activity.low + activity.high) / 2)))}
      aria-valuetext=${value === null ? `not set` : `${value}, from ${activity.low} ${scale.low} to ${activity.high} ${scale.high}`}
      ?disabled=${!activity.open} @input=${(e) => set(Number(e.target.value))} @pointerup=${setHere} @keyup=${setHere}>
    <span class="matrix-ends" aria-hidden="true"><span>${activity.low} ${scale.low}</span><span>${activity.high} ${scale.high}</span></span>
  </div>`;
}

function form(activity, answer, draft, send) {
  const { items, open } = activity;
  // The placings now: read again in handlers, as two moves may come before a redraw.
  const now = () => placingsOf(activity, draft, answer);
  const placings = now();
  const placed = placings.filter(isPlaced).length;
  const ready = activity.skip ? placed > 0 : placed === items.length;
  const clear = (item) => draft.set(now().map((p, i) => (i === item ? { y: null, x: null } : p)),
    `${items[item]} left out.`);
  const sending = () => send({ placed: now().map((p, item) => ({ item, ...p })).filter(isPlaced) });
  const [y, x] = AXES.map((axis) => activity.scales[axis].name);
  return html`<div class="prompt-form matrix-form">
    <p class="matrix-help">Place each item on both scales, ${y} and ${x}, from ${activity.low} to ${activity.high}:
      move its two sliders (to keep one at the middle, tap it or press Enter on it), then send.${activity.skip ? ' Leave out any item you cannot judge.' : ''}</p>
    <p class="prompt-counter matrix-count ${placed === items.length ? 'done' : ''}" aria-live="polite"><strong>${placed}</strong> of
      ${plural(items.length, 'item')} placed</p>
    <ol class="matrix-items">${items.map((name, item) => {
      const p = placings[item];
      return html`<li class="matrix-item ${isPlaced(p) ? 'placed' : ''}">
        <fieldset ?disabled=${!open}>
          <legend><span class="matrix-number" aria-hidden="true">${item + 1}</span> ${name}</legend>
          ${AXES.map((axis) => slider(activity, item, axis, placings, now, draft))}
          ${!isPlaced(p) && (p.y !== null || p.x !== null)
            ? html`<p class="hint">Set ${p.y === null ? y : x} too, to place it.</p>` : null}
          ${activity.skip && (p.y !== null || p.x !== null)
            ? html`<button type="button" class="link" @click=${() => clear(item)}>Leave this one out</button>` : null}
        </fieldset>
      </li>`;
    })}</ol>
    <button type="button" class="big matrix-send" ?disabled=${!open || !ready} @click=${sending}>Send my placings</button>
    ${open && !ready ? html`<p class="hint">${activity.skip ? 'Place at least one item to send.'
      : `Place every item to send: ${plural(items.length - placed, 'item')} to go.`}</p>` : null}
    ${open && ready && placed < items.length ? html`<p class="hint">The items you have not placed are left out.</p>` : null}
  </div>`;
}

// --- the grid -----------------------------------------------------------------------

// The plot: 800 units square, with room around it for the scales' names and ends.
// Text sizes in these units are those of matrix.css.
const SIZE = 800;
const HALF = SIZE / 2;
const LEFT = 130;
const TOP = 20;
const BOTTOM = 140;
const RADIUS = 40;
const CORNER = { size: 44, line: 48, inset: 16 };
const END = 36;
const AXIS = 48;

function position(activity, value) {
  return ((value - activity.low) / (activity.high - activity.low)) * SIZE;
}

let measurer = null;
function textWidth(text, size) {
  measurer ??= document.createElement('canvas').getContext('2d');
  measurer.font = `700 ${size}px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif`;
  return measurer.measureText(text).width;
}

// A text squeezed into `room` units if it is wider (a long scale or quadrant name).
const fitted = (text, size, room) => (textWidth(text, size) > room ? room : nothing);

// Each quadrant's name, in one line or two ("High Reach" over "Low Cost"), in its
// corner; and the box it takes, which dots keep out of.
function cornerLabels(quadrants) {
  const room = HALF - 2 * CORNER.inset;
  return [['top_left', false, false], ['top_right', true, false], ['bottom_left', false, true],
    ['bottom_right', true, true]].map(([corner, right, bottom]) => {
    const lines = quadrants[corner].split(' · ');
    const width = Math.min(room, Math.max(...lines.map((line) => textWidth(line, CORNER.size))));
    const height = CORNER.inset + lines.length * CORNER.line;
    const x = right ? SIZE - CORNER.inset : CORNER.inset;
    const first = bottom ? SIZE - CORNER.inset - (lines.length - 1) * CORNER.line - 8 : CORNER.inset + CORNER.size;
    return {
      box: { x0: right ? SIZE - CORNER.inset - width : 0, x1: right ? SIZE : CORNER.inset + width,
        y0: bottom ? SIZE - height - 8 : 0, y1: bottom ? SIZE : height + 8 },
      text: svg`<text class="matrix-corner" text-anchor=${right ? 'end' : 'start'}>${lines.map((line, i) => svg`<tspan
        x=${x} y=${first + i * CORNER.line} textLength=${fitted(line, CORNER.size, room)}
        lengthAdjust="spacingAndGlyphs">${line}</tspan>`)}</text>`,
    };
  });
}

// Dots whose means are close would hide each other, or a quadrant's name: push them
// apart, a little at a time, each keeping a line to where it really is.
function spreadOut(points, boxes) {
  const placed = points.map((p) => ({ ...p, cx: p.tx, cy: p.ty }));
  const gap = 2 * RADIUS + 6;
  for (let round = 0; round < 80; round += 1) {
    let moved = false;
    for (let i = 0; i < placed.length; i += 1) {
      for (let j = i + 1; j < placed.length; j += 1) {
        const a = placed[i];
        const b = placed[j];
        let dx = b.cx - a.cx;
        let dy = b.cy - a.cy;
        let d = Math.hypot(dx, dy);
        if (d >= gap) continue;
        if (d < 0.01) { dx = 1; dy = (j - i) % 2 ? 1 : -1; d = Math.hypot(dx, dy); }  // the same spot
        const push = (gap - d) / 2 + 0.5;
        a.cx -= (dx / d) * push; a.cy -= (dy / d) * push;
        b.cx += (dx / d) * push; b.cy += (dy / d) * push;
        moved = true;
      }
    }
    for (const p of placed) {
      for (const box of boxes) {
        if (p.cx + RADIUS > box.x0 && p.cx - RADIUS < box.x1 && p.cy + RADIUS > box.y0 && p.cy - RADIUS < box.y1) {
          p.cy = box.y0 === 0 ? box.y1 + RADIUS + 1 : box.y0 - RADIUS - 1;  // towards the middle
          moved = true;
        }
      }
      p.cx = Math.min(SIZE - RADIUS, Math.max(RADIUS, p.cx));
      p.cy = Math.min(SIZE - RADIUS, Math.max(RADIUS, p.cy));
    }
    if (!moved) break;
  }
  return placed;
}

function grid(activity, results) {
  const { scales, quadrants, items } = activity;
  const rows = (results?.items ?? []).filter((row) => row.count && row.id < items.length);
  const corners = cornerLabels(quadrants);
  const points = spreadOut(rows.map((row) => ({
    row, tx: position(activity, row.x), ty: SIZE - position(activity, row.y),
  })), corners.map((c) => c.box));
  const said = rows.map((row) => `${row.id + 1} ${items[row.id]}: ${scales.y.name} ${row.y}, ${scales.x.name} ${row.x}`);
  const end = (text) => fitted(text, END, HALF - 30);
  const axis = (text) => fitted(text, AXIS, SIZE);
  return svg`<svg class="matrix-grid" viewBox="0 0 ${LEFT + SIZE + 20} ${TOP + SIZE + BOTTOM}" role="img"
    aria-label="${scales.y.name} up, ${scales.x.name} along. ${said.join('. ') || 'Nothing placed yet.'}">
    <svg x=${LEFT} y=${TOP} width=${SIZE} height=${SIZE} viewBox="0 0 ${SIZE} ${SIZE}">
      <rect class="matrix-quadrant q-top-left" x="0" y="0" width=${HALF} height=${HALF}></rect>
      <rect class="matrix-quadrant q-top-right" x=${HALF} y="0" width=${HALF} height=${HALF}></rect>
      <rect class="matrix-quadrant q-bottom-left" x="0" y=${HALF} width=${HALF} height=${HALF}></rect>
      <rect class="matrix-quadrant q-bottom-right" x=${HALF} y=${HALF} width=${HALF} height=${HALF}></rect>
      ${corners.map((c) => c.text)}
      <line class="matrix-middle" x1=${HALF} y1="0" x2=${HALF} y2=${SIZE}></line>
      <line class="matrix-middle" x1="0" y1=${HALF} x2=${SIZE} y2=${HALF}></line>
      ${activity.spread ? points.map(({ row, tx, ty }) => svg`<ellipse class="matrix-spread matrix-tone-${row.id}"
        cx=${tx} cy=${ty} rx=${Math.max(position(activity, activity.low + row.x_spread), 4)}
        ry=${Math.max(position(activity, activity.low + row.y_spread), 4)}></ellipse>`) : null}
      ${points.map(({ row, tx, ty, cx, cy }) => svg`<g class="matrix-dot matrix-tone-${row.id}">
        ${Math.hypot(cx - tx, cy - ty) > 2 ? svg`<line class="matrix-leader" x1=${tx} y1=${ty} x2=${cx} y2=${cy}></line>
          <circle class="matrix-true" cx=${tx} cy=${ty} r="8"></circle>` : null}
        <circle cx=${cx} cy=${cy} r=${RADIUS}></circle>
        <text x=${cx} y=${cy} dy=".35em" text-anchor="middle">${row.id + 1}</text>
        <title>${items[row.id]}: ${scales.y.name} ${row.y}, ${scales.x.name} ${row.x}</title>
      </g>`)}
      <rect class="matrix-frame" x="0" y="0" width=${SIZE} height=${SIZE}></rect>
    </svg>
    <text class="matrix-axis" transform="translate(48 ${TOP + HALF}) rotate(-90)" text-anchor="middle"
      textLength=${axis(scales.y.name)} lengthAdjust="spacingAndGlyphs">${scales.y.name}</text>
    <text class="matrix-end" transform="translate(${LEFT - 14} ${TOP + 8}) rotate(-90)" text-anchor="end"
      textLength=${end(scales.y.high)} lengthAdjust="spacingAndGlyphs">${scales.y.high}</text>
    <text class="matrix-end" transform="translate(${LEFT - 14} ${TOP + SIZE - 8}) rotate(-90)" text-anchor="start"
      textLength=${end(scales.y.low)} lengthAdjust="spacingAndGlyphs">${scales.y.low}</text>
    <text class="matrix-axis" x=${LEFT + HALF} y=${TOP + SIZE + 118} text-anchor="middle"
      textLength=${axis(scales.x.name)} lengthAdjust="spacingAndGlyphs">${scales.x.name}</text>
    <text class="matrix-end" x=${LEFT + 8} y=${TOP + SIZE + 50} text-anchor="start"
      textLength=${end(scales.x.low)} lengthAdjust="spacingAndGlyphs">${scales.x.low}</text>
    <text class="matrix-end" x=${LEFT + SIZE - 8} y=${TOP + SIZE + 50} text-anchor="end"
      textLength=${end(scales.x.high)} lengthAdjust="spacingAndGlyphs">${scales.x.high}</text>
  </svg>`;
}

// One mean as the key shows it: to one decimal, with its spread when that is shown.
const mean = (activity, row, axis) => `${activity.scales[axis].name} ${row[axis].toFixed(1)}${
  activity.spread ? ` ± ${row[`${axis}_spread`].toFixed(1)}` : ''}`;

// The key: each item's number, name and mean (or that nobody placed it).
function key(activity, results) {
  const byId = new Map((results?.items ?? []).map((row) => [row.id, row]));
  return html`<ol class="matrix-key" ${cssVar('--rows', String(Math.max(activity.items.length, 4)))}>${
    activity.items.map((name, item) => {
      const row = byId.get(item);
      const means = row?.count ? html`${mean(activity, row, 'y')} · ${mean(activity, row, 'x')} ·
        ${plural(row.count, 'person', 'people')}${row.quadrant
          ? html` · <span class="matrix-key-quadrant">${row.quadrant}</span>` : ''}` : 'not placed';
      return html`<li class="matrix-key-item matrix-tone-${item} ${row && !row.count ? 'none' : ''}">
        <span class="matrix-number" aria-hidden="true">${item + 1}</span>
        <span class="matrix-key-text"><span class="matrix-key-name">${name}</span>${
          row ? html`<span class="matrix-key-means">${means}</span>` : null}</span>
      </li>`;
    })}</ol>`;
}

// The grid, and beside it (or under it, where it is narrow) the key.
const figure = (activity, results, note) => html`<div class="matrix-figure">${grid(activity, results)}
  <div class="matrix-side">${key(activity, results)}${note}</div></div>`;

function chart(activity, results) {
  return html`<div class="results matrix-results">${figure(activity, results, html`<p class="respondents">${
    plural(results.total, 'person', 'people')} placed the items: each dot is at the mean${
    activity.spread ? ', its ring one standard deviation' : ''}.</p>`)}</div>`;
}

// While results are hidden, the projector shows the empty grid and the items.
const waiting = (activity) => html`<div class="matrix-results waiting">${figure(activity, null, html`<p
  class="respondents">Place each item on your phone: ${activity.scales.y.name} and ${activity.scales.x.name},
  ${activity.low} to ${activity.high}.</p>`)}</div>`;

export default { matrix: promptKind({ form, chart, waiting }) };
