// Charts drawn from results as lit-html templates, crisp at any size: bars, a
// histogram, a word cloud and the connection map. Any kind may use them; text goes in as text only.
import { html, svg } from '/static/vendor/lit-html/lit-html.js';
import { ref } from '/static/vendor/lit-html/directives/ref.js';

const percent = (n, total) => (total ? Math.round((100 * n) / total) : 0);

// A bar's length as a share of the longest. Set through the CSSOM: the CSP allows no
// style attribute, which is what lit's styleMap writes on the first render.
export function barFill(share) {
  const width = `${share}%`;
  return html`<span class="bar-fill" ${ref((el) => el?.style.setProperty('width', width))}></span>`;
}

// Horizontal bars: one row per option, its count and share of respondents.
export function barChart(labels, counts, total) {
  const most = Math.max(1, ...counts);
  return html`<ol class="bars" aria-label="Results">${labels.map((label, i) => html`
    <li class="bar-row">
      <span class="bar-label">${label}</span>
      <span class="bar-track">${barFill((100 * counts[i]) / most)}</span>
      <span class="bar-value">${counts[i]}<span class="bar-share"> ${percent(counts[i], total)}%</span></span>
    </li>`)}</ol>`;
}

// Vertical bars for a 1..N scale, with the ends labelled. The numbers' size is the
// stylesheet's (larger on a narrow phone): room is kept for them above and below.
const ROOM = 60;  // above the tallest bar, for its count
const BARS = 240;  // the tallest bar
const BASE = ROOM + BARS;

export function histogram(counts, lowLabel, highLabel) {
  const most = Math.max(1, ...counts);
  const bars = counts.map((n, i) => {
    const barHeight = (BARS * n) / most;
    const middle = i * 100 + 50;
    return svg`<g>
      <rect class="hist-bar" x=${i * 100 + 12} y=${BASE - barHeight} width="76" height=${Math.max(barHeight, 1)}
        rx="6"></rect>
      <text class="hist-axis" x=${middle} y=${BASE + 8} text-anchor="middle" dominant-baseline="hanging">${i + 1}</text>
      ${n ? svg`<text class="hist-count" x=${middle} y=${BASE - barHeight - 8} text-anchor="middle">${n}</text>` : null}
    </g>`;
  });
  return html`<figure class="histogram">
    <svg viewBox="0 0 ${100 * counts.length} ${BASE + ROOM + 8}" role="img"
      aria-label="Answers from 1 to ${counts.length}: ${counts.join(', ')}">${bars}</svg>
    ${lowLabel || highLabel ? html`<figcaption class="scale-ends">
      <span>1: ${lowLabel || ''}</span><span>${counts.length}: ${highLabel || ''}</span>
    </figcaption>` : null}
  </figure>`;
}

let measurer = null;
function textWidth(text, size, weight = 700) {
  measurer ??= document.createElement('canvas').getContext('2d');
  measurer.font = `${weight} ${size}px system-ui, sans-serif`;
  return measurer.measureText(text).width;
}

// Where each word goes: the biggest at the centre, the rest along a spiral where
// they overlap nothing already placed. Where some have no room, every word is made
// smaller and placed again (the cloud is drawn to fill its area, so it is scaled back
// up); a word with no room even then is left out.
function layout(words, width, height) {
  let best = [];
  for (let scale = 1; scale > 0.3; scale *= 0.85) {
    const placed = layoutAt(words, width, height, scale);
    if (placed.length > best.length) best = placed;
    if (placed.length === words.length) break;
  }
  return best;
}

function layoutAt(words, width, height, scale) {
  const most = Math.max(1, ...words.map((w) => w.count));
  const placed = [];
  const overlaps = (box) => placed.some((p) => box.x < p.x + p.w && box.x + box.w > p.x
    && box.y < p.y + p.h && box.y + box.h > p.y);
  words.forEach((word, index) => {
    // The area a word takes grows with its count.
    const size = Math.round(scale * (22 + 74 * Math.sqrt(word.count / most)));
    const w = textWidth(word.text, size) + 12;
    const h = size * 1.05;
    for (let step = 0; step < 2400; step += 1) {
      const angle = step * 0.35;
      const radius = 12 * Math.sqrt(step);
      const box = {
        x: width / 2 + radius * Math.cos(angle) * 2.4 - w / 2,
        y: height / 2 + radius * Math.sin(angle) - h / 2,
        w, h,
      };
      if (box.x < 0 || box.y < 0 || box.x + w > width || box.y + h > height || overlaps(box)) continue;
      placed.push({ ...box, word, size, tone: index % 4 });
      return;
    }
  });
  return placed;
}

// Every broadcast draws the screen again: lay out the same words once.
const layouts = new Map();
function layoutOnce(words, width, height) {
  const key = JSON.stringify([width, height, words]);
  if (!layouts.has(key)) {
    if (layouts.size >= 8) layouts.delete(layouts.keys().next().value);
    layouts.set(key, layout(words, width, height));
  }
  return layouts.get(key);
}

// A word cloud of up to 80 words ({text, count}, most counted first).
export function wordCloud(words, { width = 1600, height = 600 } = {}) {
  const top = words.slice(0, 80);
  const label = `Word cloud: ${top.slice(0, 10).map((w) => `${w.text} ${w.count}`).join(', ')}`;
  const placed = layoutOnce(top, width, height);
  // Drawn at the size of the words, not of the room they were laid out in, so the
  // cloud fills whatever area it is given.
  const pad = 8;
  const x0 = Math.min(...placed.map((p) => p.x)) - pad;
  const y0 = Math.min(...placed.map((p) => p.y)) - pad;
  const x1 = Math.max(...placed.map((p) => p.x + p.w)) + pad;
  const y1 = Math.max(...placed.map((p) => p.y + p.h)) + pad;
  const box = placed.length ? `${x0} ${y0} ${x1 - x0} ${y1 - y0}` : `0 0 ${width} ${height}`;
  return html`<svg class="word-cloud" viewBox=${box} role="img" aria-label=${label}>${
    placed.map((p) => svg`<text class="cloud-word tone-${p.tone}"
      x=${p.x + p.w / 2} y=${p.y + p.h * 0.8} font-size=${p.size} text-anchor="middle">${
      p.word.text}<title>${p.word.text}: ${p.word.count}</title></text>`)
  }</svg>`;
}

// Long organisation names, shortened only when a name does not fit its room.
const SHORTER = [
  [/\bIntegrated Care Board\b/g, 'ICB'], [/\bIntegrated Care System\b/g, 'ICS'],
  [/\bIntegrated Care Partnership\b/g, 'ICP'], [/\bPrimary Care Network\b/g, 'PCN'],
  [/\bNational Health Service\b/g, 'NHS'], [/\bNHS Foundation Trust\b/g, 'NHS FT'],
  [/\bFoundation Trust\b/g, 'FT'], [/\bCommunity Interest Company\b/g, 'CIC'],
  [/\bVoluntary, Community and Social Enterprise\b/g, 'VCSE'],
  [/\bMetropolitan Borough Council\b/g, 'MBC'], [/\bCounty Council\b/g, 'CC'],
  [/\bUniversity Hospitals?\b/g, 'Univ. Hospitals'], [/\band\b/g, '&'],
];
const LABEL = { size: 28, line: 31, weight: 600 };
const fits = (text, room) => textWidth(text, LABEL.size, LABEL.weight) <= room;

// A name as one line, or two split between words, each no wider than room.
function wrapped(name, room, lines) {
  if (fits(name, room)) return [name];
  const words = name.split(' ');
  if (lines < 2 || words.length < 2) return null;
  let best = null;
  for (let at = 1; at < words.length; at += 1) {
    const pair = [words.slice(0, at).join(' '), words.slice(at).join(' ')];
    const widest = Math.max(...pair.map((t) => textWidth(t, LABEL.size, LABEL.weight)));
    if (widest <= room && (!best || widest < best.widest)) best = { pair, widest };
  }
  return best?.pair ?? null;
}

// The lines a name is shown in: whole on one line if it fits, else with its long
// parts abbreviated; then the same on two lines (where there is room for two); else
// cut short with an ellipsis.
export function mapLabel(name, room, lines = 2) {
  for (let count = 1; count <= lines; count += 1) {
    let short = name;
    const whole = wrapped(short, room, count);
    if (whole) return whole;
    for (const [long, abbreviation] of SHORTER) {
      const next = short.replace(long, abbreviation);
      if (next === short) continue;
      short = next;
      const fitted = wrapped(short, room, count);
      if (fitted) return fitted;
    }
  }
  let cut = SHORTER.reduce((text, [long, abbreviation]) => text.replace(long, abbreviation), name);
  while (cut.length > 1 && !fits(`${cut}…`, room)) cut = cut.slice(0, -1);
  return [`${cut.trimEnd()}…`];
}

// The connection map: organisations down the left and right of an ellipse, each
// labelled outwards, a line for each pair whose people met (the thicker, the more
// meetings). As wide as a projector, so the names have room.
export function connectionMap(summary) {
  const { nodes } = summary;
  const width = 2000;
  const rx = 300;
  const room = width / 2 - rx - 50;
  const left = Math.ceil(nodes.length / 2);
  const sides = [nodes.slice(0, left), nodes.slice(left)];
  // Each name on two lines where it needs them, while that leaves the map a sensible
  // height; else every name on one line.
  const labelled = (lines) => sides.map((side) => side.map((n) => ({ n, text: mapLabel(n.name, room, lines) })));
  const tall = (side) => side.reduce((sum, l) => sum + l.text.length * LABEL.line + 10, 0);
  let rows = labelled(2);
  if (Math.max(...rows.map(tall)) > 840) rows = labelled(1);
  const height = Math.max(640, ...rows.map((side) => tall(side) + 40));
  const cx = width / 2;
  const cy = height / 2;
  const ry = height / 2 - 20;
  const place = new Map();
  rows.forEach((side, s) => {
    const spare = (height - 40 - tall(side)) / Math.max(side.length, 1);
    let y = 20;
    side.forEach(({ n, text }) => {
      const h = text.length * LABEL.line + 10 + spare;
      const middle = y + h / 2;
      y += h;
      const dy = Math.max(-1, Math.min(1, (middle - cy) / ry));
      const x = cx + (s ? 1 : -1) * rx * Math.sqrt(1 - dy * dy);
      place.set(n.name, { x, y: middle, right: Boolean(s), text, r: h / 2 });
    });
  });
  const most = Math.max(1, ...summary.links.map((l) => l.meetings));
  const biggest = Math.max(1, ...nodes.map((n) => n.people));
  const links = summary.links.filter((l) => place.has(l.a) && place.has(l.b)).map((l) => {
    const a = place.get(l.a);
    const b = place.get(l.b);
    return svg`<line x1=${a.x} y1=${a.y} x2=${b.x} y2=${b.y} class="map-link"
      stroke-width=${1.5 + (10 * l.meetings) / most}><title>${l.a} – ${l.b}: ${l.meetings}</title></line>`;
  });
  const dots = nodes.map((n) => {
    const p = place.get(n.name);
    const r = Math.min(p.r, 8 + 22 * Math.sqrt(n.people / biggest));
    const { text } = p;
    const x = p.x + (p.right ? r + 10 : -r - 10);
    const first = p.y - ((text.length - 1) * LABEL.line) / 2;
    return svg`<g class="map-node"><circle cx=${p.x} cy=${p.y} r=${r}></circle>
      <text class="map-label" text-anchor=${p.right ? 'start' : 'end'}>${
      text.map((t, i) => svg`<tspan x=${x} y=${first + i * LABEL.line} dy=".35em">${t}</tspan>`)}</text>
      <title>${n.name}: ${n.people}</title></g>`;
  });
  return html`<svg viewBox="0 0 ${width} ${height}" class="connection-map" role="img"
    aria-label=${`Connection map: ${nodes.length} organisations, ${summary.links.length} links between them`}
    >${links}${dots}</svg>`;
}
