// Connect on the projector (and the previews), the control screen and the report:
// the round and its countdown, running the rounds, and the connection map.
import { html, nothing, svg } from '/static/vendor/lit-html/lit-html.js';
import { repeat } from '/static/vendor/lit-html/directives/repeat.js';
import { timer } from '/static/js/widgets.js';
import { phaseLine, roundLabel, roundLine } from './round.js';

// Organisations round a circle, a line for each pair of them whose people met: the
// thicker, the more meetings.
export function connectionMap(summary) {
  const { nodes } = summary;
  const size = 1000;
  const centre = size / 2;
  const radius = size / 2 - 60;
  const place = new Map(nodes.map((n, i) => {
    const angle = (2 * Math.PI * i) / Math.max(nodes.length, 1) - Math.PI / 2;
    return [n.name, { x: centre + radius * Math.cos(angle), y: centre + radius * Math.sin(angle), angle }];
  }));
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
    const r = 8 + 22 * Math.sqrt(n.people / biggest);
    const right = Math.cos(p.angle) >= 0;
    const label = n.name.length > 30 ? `${n.name.slice(0, 28)}…` : n.name;
    return svg`<g class="map-node"><circle cx=${p.x} cy=${p.y} r=${r}></circle>
      <text x=${p.x + (right ? r + 8 : -r - 8)} y=${p.y + 7} text-anchor=${right ? 'start' : 'end'}>${label}</text>
      <title>${n.name}: ${n.people}</title></g>`;
  });
  return html`<svg viewBox="-420 -20 1840 1040" class="connection-map" role="img"
    aria-label=${`Connection map: ${nodes.length} organisations, ${summary.links.length} links between them`}
    >${links}${dots}</svg>`;
}

function summaryView(summary) {
  return html`<div class="connect-summary">
    <ul class="headline">
      <li><strong>${summary.new_connections}</strong> new connections</li>
      <li><strong>${summary.organisations_connected}</strong> organisations connected</li>
      <li><strong>${summary.cross_organisation}</strong> meetings across organisations</li>
    </ul>
    ${summary.nodes.length ? connectionMap(summary) : nothing}</div>`;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function screen(activity) {
  const { round, next, progress } = activity;
  if (activity.summary) {
    return html`<h2 class="activity-title">${activity.title}</h2>${summaryView(activity.summary)}`;
  }
  if (!round) {
    return html`<h2 class="activity-title">${activity.title}</h2>
      <p class="round-label">${plural(activity.total_rounds, 'round')}${
        next ? ` · first: ${roundLabel(next).toLowerCase()}` : ''}</p>
      <p class="muted">Starting soon.</p>`;
  }
  return html`${roundLine(activity, round)}
    <h2 class="activity-title prompt">${round.prompt}</h2>
    ${round.running && round.phases.length ? phaseLine(round) : nothing}
    ${round.running ? timer(round.ends_at) : html`<p class="round-over">Time is up</p>`}
    ${progress?.round && progress.placed ? html`<p class="connect-progress">${progress.found} of
      ${progress.placed} have found their group</p>` : nothing}`;
}

// The control screen: run the rounds, see the groups and who is still looking (how
// many have found their group is in the preview above it). Starting
// names the round: if another control screen has just started it, it is not started twice.
function control(activity, ctx) {
  const { round, next, progress } = activity;
  const c = activity.control;
  const act = (event, data = {}) => ctx.request(event, { activity_id: activity.id, ...data });
  const member = (m, i) => html`${i ? ', ' : ''}<span class=${m.found ? 'found' : m.cant_find ? 'lost' : ''}>${
    m.name}${m.found ? ' ✓' : ''}${m.cant_find ? ' (can’t find)' : ''}${m.late ? ' (late)' : ''}</span>`;
  return html`<div class="connect-controls">
    <div class="button-row">
      ${next ? html`<button type="button" @click=${() => act('connect:start', { round: next.number })}>${
        round?.running ? `End this round and start round ${next.number}` : `Start round ${next.number}`}</button>`
        : nothing}
      ${round?.running ? html`
        <button type="button" class="secondary" @click=${() => act('connect:extend', { seconds: 60 })}>+1 min</button>
        <button type="button" class="secondary" @click=${() => act('connect:extend', { seconds: -60 })}>−1 min</button>
        <button type="button" class="secondary" @click=${() => act('connect:end_round')}>End round</button>` : nothing}
      ${round ? html`<button type="button" class=${activity.summary ? 'secondary' : ''}
        @click=${() => act('connect:summary', { show: !activity.summary })}>${
        activity.summary ? 'Hide results' : 'Show results'}</button>` : nothing}
    </div>
    ${progress?.round && c ? html`<p class="progress-line">${c.present} present ·
      ${c.sitting_out} sitting out</p>` : nothing}
    ${c?.stragglers?.length ? html`<div class="stragglers">
      <h3>Still looking (${c.stragglers.length})</h3>
      <ul>${repeat(c.stragglers.slice(0, 50), (s) => s.id, (s) => html`<li>${s.name} (group ${s.group})</li>`)}</ul>
    </div>` : nothing}
    ${c?.groups?.length ? html`<details class="groups" ?open=${c.groups.length <= 12}>
      <summary>${plural(c.groups.length, 'group')}</summary>
      <ol class="group-list">${repeat(c.groups, (g) => g.number, (g) => html`<li>
        <strong>${g.meeting_point}</strong> ${g.members.map(member)}</li>`)}</ol>
    </details>` : nothing}
  </div>`;
}

function report(section) {
  const m = section.summary;
  return html`<p>${m.new_connections} new connections; ${m.cross_organisation} meetings across
    organisations; ${m.organisations_connected} of ${m.organisations} organisations connected;
    ${m.people} people took part.</p>${m.nodes.length ? connectionMap(m) : nothing}`;
}

export default { connect: { screen, control, report } };
