// Charts drawn from results, crisp at any size: bars, a histogram and a word cloud.
import { h, svg } from './dom.js';

const percent = (n, total) => (total ? Math.round((100 * n) / total) : 0);

// Horizontal bars: one row per option, its count and share of respondents.
export function barChart(labels, counts, total) {
  const most = Math.max(1, ...counts);
  return h('ol', { class: 'bars', 'aria-label': 'Results' }, labels.map((label, i) => {
    const bar = h('span', { class: 'bar-fill' });
    bar.style.width = `${(100 * counts[i]) / most}%`;
    return h('li', { class: 'bar-row' },
      h('span', { class: 'bar-label' }, label),
      h('span', { class: 'bar-track' }, bar),
      h('span', { class: 'bar-value' }, `${counts[i]}`, h('span', { class: 'bar-share' }, ` ${percent(counts[i], total)}%`)));
  }));
}

// Vertical bars for a 1..N scale, with the ends labelled.
export function histogram(counts, lowLabel, highLabel) {
  const most = Math.max(1, ...counts);
  const width = 100 * counts.length;
  const height = 320;
  const bars = counts.map((n, i) => {
    const barHeight = (240 * n) / most;
    return svg('g', {},
      svg('rect', { x: i * 100 + 12, y: 270 - barHeight, width: 76, height: Math.max(barHeight, 1), class: 'hist-bar', rx: 6 }),
      svg('text', { x: i * 100 + 50, y: 300, 'text-anchor': 'middle', class: 'hist-axis' }, i + 1),
      n ? svg('text', { x: i * 100 + 50, y: 262 - barHeight, 'text-anchor': 'middle', class: 'hist-count' }, n) : '');
  });
  return h('figure', { class: 'histogram' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Answers from 1 to ${counts.length}: ${counts.join(', ')}` }, ...bars),
    lowLabel || highLabel ? h('figcaption', { class: 'scale-ends' }, h('span', {}, `1: ${lowLabel || ''}`), h('span', {}, `${counts.length}: ${highLabel || ''}`)) : null);
}

let measurer = null;
function textWidth(text, size) {
  measurer ??= document.createElement('canvas').getContext('2d');
  measurer.font = `700 ${size}px system-ui, sans-serif`;
  return measurer.measureText(text).width;
}

// A word cloud: the biggest words at the centre, the rest placed along a spiral
// where they overlap nothing already placed.
export function wordCloud(words, { width = 1200, height = 640 } = {}) {
  const top = words.slice(0, 80);
  const most = Math.max(1, ...top.map((w) => w.count));
  const least = Math.min(most, ...top.map((w) => w.count));
  const placed = [];
  const items = [];
  const overlaps = (box) => placed.some((p) => box.x < p.x + p.w && box.x + box.w > p.x
    && box.y < p.y + p.h && box.y + box.h > p.y);
  top.forEach((word, index) => {
    const scale = most === least ? 1 : (word.count - least) / (most - least);
    const size = Math.round(22 + 74 * Math.sqrt(scale));
    const w = textWidth(word.text, size) + 12;
    const hgt = size * 1.05;
    for (let step = 0; step < 2400; step += 1) {
      const angle = step * 0.35;
      const radius = 3 * Math.sqrt(step) * 4;
      const x = width / 2 + radius * Math.cos(angle) * 1.4 - w / 2;
      const y = height / 2 + radius * Math.sin(angle) - hgt / 2;
      const box = { x, y, w, h: hgt };
      if (x < 0 || y < 0 || x + w > width || y + hgt > height || overlaps(box)) continue;
      placed.push(box);
      items.push(svg('text', {
        x: x + w / 2, y: y + hgt * 0.8, 'font-size': size, 'text-anchor': 'middle',
        class: `cloud-word tone-${index % 4}`,
      }, word.text, svg('title', {}, `${word.text}: ${word.count}`)));
      return;
    }
  });
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'word-cloud', role: 'img',
    'aria-label': `Word cloud: ${top.slice(0, 10).map((w) => `${w.text} ${w.count}`).join(', ')}` }, ...items);
}
