// The event report: every activity's section, drawn by its kind's report renderer.
import { html } from '../vendor/lit-html/lit-html.js';
import { repeat } from '../vendor/lit-html/directives/repeat.js';
import { serverNow } from './clock.js';
import { createLocals, drawPart, labelOf, loadKinds } from './kinds.js';
import { paint } from './widgets.js';

const report = JSON.parse(document.getElementById('report-data').textContent);
const root = document.getElementById('report');
const locals = createLocals();

const ctxFor = (section) => ({
  role: 'report',
  request: async () => ({ ok: false, error: 'offline', message: 'The report is not connected.' }),
  serverNow,
  local: locals.of(section.id),
  rerender: draw,
  workshop: { title: report.title },
});

function draw() {
  paint(report.sections.length ? repeat(report.sections, (s) => s.id, (s) => html`<section class="report-section">
      <p class="round-label">${labelOf(s.kind)}</p>
      <h2>${s.title}</h2>
      ${drawPart('report', s, ctxFor(s))}
    </section>`) : html`<p class="muted">The run sheet is empty.</p>`, root);
}

await loadKinds();
draw();
