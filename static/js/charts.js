// Charts drawn from results as lit-html templates, crisp at any size: bars, a
// histogram and a word cloud. Any kind may use them; text goes in as text only.
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
function textWidth(text, size) {
  measurer ??= document.createElement('canvas').getContext('2d');
  measurer.font = `700 ${size}px system-ui, sans-serif`;
  return measurer.measureText(text).width;
}

// Where each word goes: the biggest at the centre, the rest along a spiral where
// they overlap nothing already placed. A word with no room left is left out.
function layout(words, width, height) {
  const most = Math.max(1, ...words.map((w) => w.count));
  const placed = [];
  const overlaps = (box) => placed.some((p) => box.x < p.x + p.w && box.x + box.w > p.x
    && box.y < p.y + p.h && box.y + box.h > p.y);
  words.forEach((word, index) => {
    // The area a word takes grows with its count.
    const size = Math.round(22 + 74 * Math.sqrt(word.count / most));
    const w = textWidth(word.text, size) + 12;
    const h = size * 1.05;
    for (let step = 0; step < 2400; step += 1) {
      const angle = step * 0.35;
      const radius = 12 * Math.sqrt(step);
      const box = {
        x: width / 2 + radius * Math.cos(angle) * 1.4 - w / 2,
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
export function wordCloud(words, { width = 1200, height = 640 } = {}) {
  const top = words.slice(0, 80);
  const label = `Word cloud: ${top.slice(0, 10).map((w) => `${w.text} ${w.count}`).join(', ')}`;
  return html`<svg class="word-cloud" viewBox="0 0 ${width} ${height}" role="img" aria-label=${label}>${
    layoutOnce(top, width, height).map((p) => svg`<text class="cloud-word tone-${p.tone}"
      x=${p.x + p.w / 2} y=${p.y + p.h * 0.8} font-size=${p.size} text-anchor="middle">${
      p.word.text}<title>${p.word.text}: ${p.word.count}</title></text>`)
  }</svg>`;
}
