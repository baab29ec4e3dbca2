// The control screen's Connect panel: run the rounds, see the groups and stragglers.
import { h } from './dom.js';

export function connectControls(activity, control, progress, { act, exportBase }) {
  const round = activity.round;
  const id = activity.id;
  const next = activity.next;
  const buttons = h('div', { class: 'button-row' },
    // Naming the round: if another control screen has just started it, it is not started twice.
    next ? h('button', { type: 'button', onclick: () => act('connect:start', { activity_id: id, round: next.number }) },
      round?.running ? `End this round and start round ${next.number}` : `Start round ${next.number}`) : null,
    round?.running ? h('button', { type: 'button', class: 'secondary', onclick: () => act('connect:extend', { activity_id: id, seconds: 60 }) }, '+1 min') : null,
    round?.running ? h('button', { type: 'button', class: 'secondary', onclick: () => act('connect:extend', { activity_id: id, seconds: -60 }) }, '−1 min') : null,
    round?.running ? h('button', { type: 'button', class: 'secondary', onclick: () => act('connect:end_round', { activity_id: id }) }, 'End round') : null,
    round ? h('button', { type: 'button', class: activity.summary ? 'secondary' : '', onclick: () => act('connect:summary', { activity_id: id, show: !activity.summary }) },
      activity.summary ? 'Hide results' : 'Show results') : null);
  const counts = progress?.round ? h('p', { class: 'progress-line' },
    `${progress.found} of ${progress.placed} have found their group`,
    control ? ` · ${control.present} present · ${control.sitting_out} sitting out` : '') : null;
  const stragglers = control?.stragglers?.length ? h('div', { class: 'stragglers' },
    h('h3', {}, `Still looking (${control.stragglers.length})`),
    h('ul', {}, control.stragglers.slice(0, 50).map((s) => h('li', {}, `${s.name} (group ${s.group})`)))) : null;
  const groups = control?.groups?.length ? h('details', { class: 'groups', open: control.groups.length <= 12 },
    h('summary', {}, `${control.groups.length} groups`),
    h('ol', { class: 'group-list' }, control.groups.map((g) => h('li', {},
      h('strong', {}, `${g.meeting_point}`), ' ',
      g.members.map((m, i) => [i ? ', ' : '', h('span', { class: m.found ? 'found' : (m.cant_find ? 'lost' : '') },
        m.name, m.found ? ' ✓' : '', m.cant_find ? ' (can’t find)' : '', m.late ? ' (late)' : '')]))))) : null;
  const exports = round ? h('p', { class: 'exports' }, 'Download: ',
    h('a', { href: `${exportBase}/groups.csv` }, 'groups (CSV)'), ' · ',
    h('a', { href: `${exportBase}/meetings.csv` }, 'meetings (CSV)')) : null;
  return h('div', { class: 'connect-controls' }, buttons, counts, stragglers, groups, exports);
}
