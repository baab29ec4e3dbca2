// The facilitator's control screen: run sheet, live state, links and delegates.
import { $, h, replace, wireCopyButtons } from './dom.js';
import { connectLive } from './live.js';
import { KIND_LABELS, renderActivity } from './activities.js';

const app = $('#app');
const key = decodeURIComponent(location.pathname.split('/').pop());
const state = { runsheet: [], live: null, delegates: new Map(), online: new Set(), presence: null };

const live = connectLive({
  auth: () => ({ role: 'facilitator', key }),
  statusEl: $('#status'),
  onSnapshot(snap) {
    state.runsheet = snap.runsheet;
    state.live = snap.live;
    state.delegates = new Map(snap.delegates.map((d) => [d.id, d]));
    state.online = new Set(snap.delegates.filter((d) => d.online).map((d) => d.id));
    state.presence = snap.presence;
    showWorkshop(snap.workshop);
    showLinks(snap.links);
    renderAll();
  },
  handlers: {
    runsheet(list) { state.runsheet = list; renderRunsheet(); },
    live(liveState) { state.live = liveState; renderLive(); renderRunsheet(); },
    workshop: showWorkshop,
    links: showLinks,
    presence(p) {
      state.presence = p;
      state.online = new Set(p.online_ids);
      renderPresence();
      renderDelegates();
    },
    delegate(d) { state.delegates.set(d.id, d); renderDelegates(); },
    delegates(list) { state.delegates = new Map(list.map((d) => [d.id, d])); renderDelegates(); },
    fatal(message) { replace(app, h('p', { class: 'error', role: 'alert' }, message)); },
  },
});

function showWorkshop(workshop) {
  $('#workshop-title').textContent = workshop.title;
  document.title = `Control · ${workshop.title}`;
  const title = $('#settings-title');
  if (document.activeElement !== title) title.value = workshop.title;
  $('#settings-require-name').checked = workshop.require_name;
}

// Panel tablets reach the laptop by its network address, like phones do.
const publicBase = app.dataset.joinUrl.replace(/\/j\/[^/]+$/, '');

function showLinks(links) {
  $('#screen-link').value = publicBase + links.screen;
  $('#panel-link').value = publicBase + links.panel;
  $('#open-screen').href = links.screen;
}

function renderAll() { renderLive(); renderRunsheet(); renderPresence(); renderDelegates(); }

function renderPresence() {
  const p = state.presence;
  if (p) $('#presence').textContent = `${p.joined} joined · ${p.online} connected now`;
}

function renderLive() {
  const activity = state.live?.activity;
  replace($('#live-preview'), activity ? renderActivity(activity)
    : h('p', { class: 'muted' }, 'The projector shows the join screen.'));
}

function renderRunsheet() {
  const liveId = state.live?.activity?.id;
  const items = state.runsheet.map((a, i) => h('li', { class: a.id === liveId ? 'is-live' : '' },
    h('span', { class: 'kind' }, KIND_LABELS[a.kind] || a.kind),
    h('span', { class: 'runsheet-title' }, a.title),
    a.id === liveId ? h('span', { class: 'badge' }, 'Live') : null,
    h('span', { class: 'actions' },
      h('button', { type: 'button', disabled: a.id === liveId, onclick: () => act('live:set', { activity_id: a.id, version: state.live?.version }, '#live-error') }, 'Go live'),
      h('button', { type: 'button', class: 'secondary', onclick: () => edit(a) }, 'Edit'),
      h('button', { type: 'button', class: 'secondary icon', 'aria-label': `Move “${a.title}” up`, disabled: i === 0, onclick: () => act('activity:move', { activity_id: a.id, index: i - 1 }, '#live-error') }, '↑'),
      h('button', { type: 'button', class: 'secondary icon', 'aria-label': `Move “${a.title}” down`, disabled: i === state.runsheet.length - 1, onclick: () => act('activity:move', { activity_id: a.id, index: i + 1 }, '#live-error') }, '↓'),
      h('button', { type: 'button', class: 'danger icon', 'aria-label': `Delete “${a.title}”`, onclick: () => remove(a) }, '✕'))));
  replace($('#runsheet'), items.length ? items
    : h('li', { class: 'muted' }, 'No activities yet: add one below.'));
}

function renderDelegates() {
  const filter = $('#delegate-filter').value.trim().toLowerCase();
  const rows = [...state.delegates.values()]
    .filter((d) => !filter || `${d.name} ${d.organisation} ${d.role}`.toLowerCase().includes(filter))
    .sort((a, b) => a.name.localeCompare(b.name));
  const shown = rows.slice(0, 500);
  replace($('#delegates'), shown.map((d) => {
    const online = state.online.has(d.id);
    const status = !d.joined ? 'Not joined' : online ? 'Online' : 'Offline';
    return h('tr', {},
      h('td', {}, d.name || h('span', { class: 'muted' }, '(no name)')),
      h('td', {}, d.organisation), h('td', {}, d.role),
      h('td', {}, h('span', { class: `dot ${!d.joined ? 'none' : online ? 'on' : 'off'}` }), status),
      h('td', {}, d.joined ? h('button', {
        type: 'button', class: 'secondary small',
        onclick: () => release(d),
      }, 'Release name') : null));
  }), rows.length > shown.length
    ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, `${rows.length - shown.length} more: refine the search.`))
    : null);
}

async function act(event, data, errorSelector) {
  const answer = await live.request(event, data);
  const errorEl = $(errorSelector);
  if (errorEl) errorEl.textContent = answer.ok ? '' : answer.message;
  return answer;
}

function edit(activity) {
  $('#add-activity').open = true;
  $('#activity-id').value = activity.id;
  $('#activity-title').value = activity.title;
  $('#activity-body').value = activity.config.body || '';
  $('#activity-save').textContent = 'Save changes';
  $('#activity-cancel').hidden = false;
  $('#activity-title').focus();
}

function resetActivityForm() {
  $('#activity-form').reset();
  $('#activity-id').value = '';
  $('#activity-save').textContent = 'Add to run sheet';
  $('#activity-cancel').hidden = true;
}

async function remove(activity) {
  if (window.confirm(`Delete “${activity.title}” from the run sheet?`)) {
    await act('activity:delete', { activity_id: activity.id }, '#live-error');
  }
}

async function release(delegate) {
  const name = delegate.name || 'this delegate';
  if (window.confirm(`Release ${name}? Their phone goes back to the join form and the name can be claimed again.`)) {
    await act('delegate:release', { delegate_id: delegate.id }, '#roster-report');
  }
}

$('#activity-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = $('#activity-id').value;
  const data = { title: $('#activity-title').value, body: $('#activity-body').value };
  const answer = id
    ? await act('activity:update', { ...data, activity_id: Number(id) }, '#activity-error')
    : await act('activity:add', { ...data, kind: 'message' }, '#activity-error');
  if (answer.ok) resetActivityForm();
});
$('#activity-cancel').addEventListener('click', resetActivityForm);

$('#next').addEventListener('click', () => act('live:next', { version: state.live?.version }, '#live-error'));
$('#prev').addEventListener('click', () => act('live:previous', { version: state.live?.version }, '#live-error'));
$('#clear').addEventListener('click', () => act('live:set', { activity_id: null, version: state.live?.version }, '#live-error'));

$('#settings-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act('workshop:update', { title: $('#settings-title').value, require_name: $('#settings-require-name').checked }, '#settings-error');
});

app.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-regenerate]');
  if (!button) return;
  const which = button.dataset.regenerate === 'screen' ? 'projector' : 'panel';
  if (window.confirm(`Replace the ${which} link? Screens open on the old link stop working.`)) {
    await act('link:regenerate', { screen: button.dataset.regenerate }, '#settings-error');
  }
});
wireCopyButtons(app);

$('#delegate-filter').addEventListener('input', renderDelegates);

$('#roster-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const report = $('#roster-report');
  const file = $('#roster-file').files[0];
  if (!file) { report.textContent = 'Choose a CSV file first.'; return; }
  const body = new FormData();
  body.append('file', file);
  report.textContent = 'Importing…';
  try {
    const response = await fetch(app.dataset.rosterUrl, { method: 'POST', body });
    const answer = await response.json();
    if (!answer.ok) { report.textContent = answer.message; return; }
    const parts = [`Added ${answer.added} delegates.`];
    if (answer.already_present) parts.push(`${answer.already_present} were already on the list.`);
    replace(report, parts.join(' '), answer.problems.length
      ? h('ul', { class: 'problems' }, answer.problems.slice(0, 20).map((p) => h('li', {}, p))) : null);
    $('#roster-form').reset();
  } catch {
    report.textContent = 'The import did not reach the server; check the connection and try again.';
  }
});

// Keyboard: N / P step through the run sheet when not typing.
document.addEventListener('keydown', (event) => {
  if (event.target.closest('input, textarea, select') || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'n' || event.key === 'ArrowRight') $('#next').click();
  if (event.key === 'p' || event.key === 'ArrowLeft') $('#prev').click();
});
