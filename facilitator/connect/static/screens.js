// Connect on the projector (and the previews), the control screen and the report:
// the round and its countdown, running the rounds, and the connection map.
import { html, nothing, svg } from '/static/vendor/lit-html/lit-html.js';
import { repeat } from '/static/vendor/lit-html/directives/repeat.js';
import { ticking, timer } from '/static/js/widgets.js';
import { phaseLine, roundLabel, roundLine } from './round.js';

// The connection map is drawn by the shared charts.
import { connectionMap } from '/static/js/charts.js';

export { connectionMap };

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

// The projector's table list: group number, where, and names; pages turn by themselves
// when the room is too big for one screen (every 12 seconds, by the server's clock).
function tableList(tables) {
  return ticking((now) => {
    // Measured at each tick, so a projector window resized mid-round re-pages.
    const perPage = window.innerWidth >= 1600 ? 60 : 45;
    const pages = Math.ceil(tables.length / perPage);
    const page = pages > 1 ? Math.floor(now / 12000) % pages : 0;
    const shown = tables.slice(page * perPage, (page + 1) * perPage);
    return html`<div class="table-list">
      ${pages > 1 ? html`<p class="table-page">Groups ${page * perPage + 1}–${page * perPage + shown.length}
        of ${tables.length} · page ${page + 1} of ${pages}</p>` : nothing}
      <ol class="table-grid">${repeat(shown, (t) => t.number, (t) => html`<li>
        <strong class="table-number">${t.number}</strong>${
          ![`Table ${t.number}`, 'Find each other'].includes(t.meeting_point)
          ? html`<span class="table-where">${t.meeting_point}</span> ` : nothing}
        <span class="table-names">${t.names.join(', ')}</span></li>`)}</ol></div>`;
  });
}

// What the room should do now, in letters large enough for the back of a hall.
function lookAtPhones(round, withList = false) {
  const who = round.size === 2 && round.kind === 'groups' ? 'partner' : 'group';
  return withList
    ? html`<p class="look-at-phone with-list">Look at your phone<span class="look-or">, or find your name below</span></p>`
    : html`<p class="look-at-phone">Look at your phone to find your ${who}</p>`;
}

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
  const grouped = round.running && (round.kind === 'groups' || round.kind === 'merge');
  if (grouped && activity.tables?.length) {
    return html`<div class="round-head">${roundLine(activity, round)}${timer(round.ends_at)}</div>
      ${lookAtPhones(round, true)}
      <p class="prompt-line">${round.prompt}</p>
      ${tableList(activity.tables)}`;
  }
  return html`${roundLine(activity, round)}
    ${grouped ? lookAtPhones(round) : nothing}
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

// The control screen's shortcuts while Connect is live (listed in its "?" dialog). A
// round runs on the server's deadline and cannot pause: T starts the next round only
// when none is running, so a stray key never cuts a round short.
const send = (event, data = {}) => (a, ctx) => ctx.request(event, { activity_id: a.id, ...data });
const whileRunning = (run) => (a, ctx) => (a.round?.running ? run(a, ctx) : undefined);
const keys = {
  t: (a, ctx) => (a.next && !a.round?.running
    ? send('connect:start', { round: a.next.number })(a, ctx) : undefined),
  '+': whileRunning(send('connect:extend', { seconds: 60 })),
  '-': whileRunning(send('connect:extend', { seconds: -60 })),
  r: (a, ctx) => (a.round ? send('connect:summary', { show: !a.summary })(a, ctx) : undefined),
};

function report(section) {
  const m = section.summary;
  return html`<p>${m.new_connections} new connections; ${m.cross_organisation} meetings across
    organisations; ${m.organisations_connected} of ${m.organisations} organisations connected;
    ${m.people} people took part.</p>${m.nodes.length ? connectionMap(m) : nothing}`;
}

export default { connect: { screen, control, report, keys } };
