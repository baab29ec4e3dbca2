// The facilitator's control screen: run sheet, live state, links and delegates.
import { $, h, replace, wireCopyButtons } from './dom.js';
import { connectLive } from './live.js';
import {
  KIND_LABELS, POST_KINDS, PROMPT_KINDS, promptResults, refreshTicking, renderActivity,
} from './activities.js';
import { everyTick, startClock } from './clock.js';
import { connectControls } from './connect-control.js';
import { qaHandlers } from './qa-state.js';

const app = $('#app');
const key = decodeURIComponent(location.pathname.split('/').pop());
const state = {
  runsheet: [], live: null, delegates: new Map(), online: new Set(), presence: null,
  control: null, progress: null,
};

const live = connectLive({
  auth: () => ({ role: 'facilitator', key }),
  statusEl: $('#status'),
  onSnapshot(snap) {
    state.runsheet = snap.runsheet;
    state.live = snap.live;
    state.delegates = new Map(snap.delegates.map((d) => [d.id, d]));
    state.online = new Set(snap.delegates.filter((d) => d.online).map((d) => d.id));
    state.presence = snap.presence;
    state.control = snap.control || null;
    state.progress = snap.progress || null;
    showWorkshop(snap.workshop);
    showLinks(snap.links);
    renderAll();
  },
  handlers: {
    runsheet(list) { state.runsheet = list; renderRunsheet(); },
    live(liveState) { state.live = liveState; renderLive(); renderRunsheet(); },
    control(control) { state.control = control; renderLiveControls(); },
    ...qaHandlers(() => state.live?.activity, () => renderLive()),
    progress(progress) { state.progress = progress; renderLiveControls(); },
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
    // The server could not save something (disk full, database locked).
    'server:problem'(problem) {
      const at = new Date(problem.at * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      $('#server-problem-text').textContent = `${at}: ${problem.message}`;
      $('#server-problem').hidden = false;
    },
  },
});
$('#server-problem-close').addEventListener('click', () => { $('#server-problem').hidden = true; });

function showWorkshop(workshop) {
  $('#blank').setAttribute('aria-pressed', String(Boolean(workshop.blank)));
  $('#blank').textContent = workshop.blank ? 'Show projector' : 'Blank projector';
  $('#workshop-title').textContent = workshop.title;
  document.title = `Control · ${workshop.title}`;
  const title = $('#settings-title');
  if (document.activeElement !== title) title.value = workshop.title;
  $('#settings-require-name').checked = workshop.require_name;
  for (const radio of document.querySelectorAll('#doors input[name="doors"]')) {
    radio.checked = radio.value === workshop.doors;
  }
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
  renderLiveControls();
}

function promptControls(activity) {
  const id = activity.id;
  const run = (event, data) => act(event, { activity_id: id, ...data }, '#live-error');
  const results = state.control?.activity_id === id ? state.control.results : null;
  return h('div', { class: 'prompt-controls' },
    h('div', { class: 'button-row' },
      activity.open ? h('button', { type: 'button', class: 'secondary', onclick: () => run('prompt:close', { closed: true }) }, 'Close answers')
        : h('button', { type: 'button', class: 'secondary', onclick: () => run('prompt:close', { closed: false }) }, 'Reopen'),
      activity.open && !activity.deadline && !activity.paused_remaining
        ? h('button', { type: 'button', class: 'secondary', onclick: () => run('prompt:timer', { action: 'start' }) }, 'Start countdown') : null,
      activity.deadline ? h('button', { type: 'button', class: 'secondary', onclick: () => run('prompt:timer', { action: 'pause' }) }, 'Pause') : null,
      activity.paused_remaining ? h('button', { type: 'button', class: 'secondary', onclick: () => run('prompt:timer', { action: 'resume' }) }, 'Resume') : null,
      activity.deadline || activity.paused_remaining ? [
        h('button', { type: 'button', class: 'secondary', onclick: () => run('prompt:timer', { action: 'extend', seconds: 60 }) }, '+1 min'),
        h('button', { type: 'button', class: 'secondary', onclick: () => run('prompt:timer', { action: 'extend', seconds: -60 }) }, '−1 min')] : null,
      h('button', { type: 'button', onclick: () => run('prompt:reveal', { revealed: !activity.revealed }) },
        activity.revealed ? 'Hide results' : 'Reveal results')),
    results ? [h('h3', {}, `Results so far: ${results.total} of ${state.control.online} connected answered`),
      promptResults(activity.kind, activity, results)] : null,
    h('p', { class: 'exports' }, h('a', { href: `${location.pathname}/prompts/${id}/answers.csv` }, 'Download answers (CSV)')));
}

function renderLiveControls() {
  const activity = state.live?.activity;
  let controls = null;
  if (activity?.kind === 'connect') {
    controls = connectControls(activity, state.control, state.progress, {
      act: (event, data) => act(event, data, '#live-error'),
      exportBase: `${location.pathname}/connect/${activity.id}`,
    });
  } else if (PROMPT_KINDS.includes(activity?.kind)) {
    controls = promptControls(activity);
  } else if (POST_KINDS.includes(activity?.kind) && state.progress) {
    const c = state.progress;
    controls = h('div', { class: 'qa-controls' },
      h('p', { class: 'progress-line' }, `${c.received} received · ${c.waiting} waiting for review · `
        + `${c.published} published · ${c.held} held · ${c.answered} answered`),
      h('p', {}, h('a', { href: $('#panel-link').value, target: '_blank', rel: 'noopener' }, 'Moderate on the panel screen'),
        ' · ', h('a', { href: `${location.pathname}/qa/${activity.id}/questions.csv` }, 'questions (CSV)')));
  }
  replace($('#live-controls'), controls);
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
      h('button', { type: 'button', class: 'secondary', onclick: () => act('activity:duplicate', { activity_id: a.id }, '#live-error') }, 'Copy'),
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
    const status = d.removed ? 'Removed' : !d.joined ? 'Not joined' : online ? 'Online' : 'Offline';
    return h('tr', {},
      h('td', {}, d.name || h('span', { class: 'muted' }, '(no name)')),
      h('td', {}, d.organisation), h('td', {}, d.role),
      h('td', {}, h('span', { class: `dot ${!d.joined ? 'none' : online ? 'on' : 'off'}` }), status),
      h('td', {}, h('div', { class: 'delegate-actions' },
        d.joined || d.removed ? h('button', {
          type: 'button', class: 'secondary small',
          onclick: () => release(d),
        }, d.removed ? 'Let back in' : 'Release name') : null,
        d.removed ? null : h('button', {
          type: 'button', class: 'danger small',
          onclick: () => removeDelegate(d),
        }, 'Remove'))));
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

const form = $('#activity-form');

function showKindFields() {
  const kind = $('#activity-kind').value;
  form.querySelectorAll('.kind-fields').forEach((f) => { f.hidden = !f.dataset.kind.split(' ').includes(kind); });
  const template = $('#connect-template');
  form.querySelectorAll('.custom-only').forEach((f) => { f.hidden = template.value !== 'custom'; });
  const points = $('#connect-points').value;
  form.querySelector('.points-tables').hidden = points !== 'tables';
  form.querySelector('.points-spots').hidden = points !== 'spots';
}

const lines = (text) => text.split('\n').map((l) => l.trim());

function activityData() {
  const data = { kind: $('#activity-kind').value, title: $('#activity-title').value };
  if (data.kind === 'message') return { ...data, body: $('#activity-body').value };
  const f = form.elements;
  if (PROMPT_KINDS.includes(data.kind)) {
    const common = { ...data, timer_seconds: Number(f.timer_seconds.value), results: f.results.value };
    if (data.kind === 'poll') {
      return { ...common, options: lines(f.options.value).filter(Boolean), multiple: f.multiple.checked, other: f.other.checked };
    }
    if (data.kind === 'wordcloud') return { ...common, entries: Number(f.entries.value), plurals: f.plurals.checked };
    if (data.kind === 'scale') {
      return { ...common, high: Number(f.high.value), low_label: f.low_label.value, high_label: f.high_label.value };
    }
    return { ...common, button: f.button.value };
  }
  if (POST_KINDS.includes(data.kind)) {
    return {
      ...data,
      voting: f.voting.checked,
      name_mode: f.name_mode.value,
      auto_publish: f.auto_publish.checked,
      profanity_filter: f.profanity_filter.checked,
      allow_own_vote: f.allow_own_vote.checked,
      show_counts: f.show_counts.checked,
      max_length: Number(f.max_length.value),
      min_interval: Number(f.min_interval.value),
      max_questions: Number(f.max_questions.value),
      labels: lines(f.labels.value).filter(Boolean),
    };
  }
  const prompts = lines(f.prompts.value);
  while (prompts.length && !prompts[prompts.length - 1]) prompts.pop();
  return {
    ...data,
    template: f.template.value,
    group_size: Number(f.group_size.value),
    round_count: Number(f.round_count.value),
    minutes: Number(f.minutes.value),
    prompts,
    separate_organisations: f.separate_organisations.checked,
    separate_roles: f.separate_roles.checked,
    separate_sectors: f.separate_sectors.checked,
    late_join: f.late_join.checked,
    grace_seconds: Number(f.grace_seconds.value),
    meeting_points: {
      mode: f.points_mode.value, tables: Number(f.tables.value),
      spots: lines(f.spots.value).filter(Boolean),
    },
  };
}

// The version of the activity being edited: a save over someone else's newer one is refused.
let editedAt = null;

function edit(activity) {
  $('#add-activity').open = true;
  $('#activity-id').value = activity.id;
  editedAt = activity.updated_at;
  $('#activity-kind').value = activity.kind;
  $('#activity-kind').disabled = true;
  $('#activity-title').value = activity.title;
  const c = activity.config;
  if (activity.kind === 'message') $('#activity-body').value = c.body || '';
  if (activity.kind === 'connect') {
    const f = form.elements;
    f.template.value = c.template;
    f.group_size.value = c.group_size;
    f.round_count.value = c.round_count;
    f.minutes.value = c.minutes;
    f.prompts.value = c.prompts.join('\n');
    f.separate_organisations.checked = c.separate_organisations;
    f.separate_roles.checked = c.separate_roles;
    f.separate_sectors.checked = c.separate_sectors;
    f.late_join.checked = c.late_join;
    f.grace_seconds.value = c.grace_seconds;
    f.points_mode.value = c.meeting_points.mode;
    f.tables.value = c.meeting_points.tables;
    f.spots.value = c.meeting_points.spots.join('\n');
  }
  if (PROMPT_KINDS.includes(activity.kind)) {
    const f = form.elements;
    f.timer_seconds.value = c.timer_seconds;
    f.results.value = c.results;
    if (activity.kind === 'poll') {
      f.options.value = c.options.join('\n');
      f.multiple.checked = c.multiple;
      f.other.checked = c.other;
    }
    if (activity.kind === 'wordcloud') { f.entries.value = c.entries; f.plurals.checked = c.plurals; }
    if (activity.kind === 'scale') { f.high.value = c.high; f.low_label.value = c.low_label; f.high_label.value = c.high_label; }
    if (activity.kind === 'ready') f.button.value = c.button;
  }
  if (POST_KINDS.includes(activity.kind)) {
    const f = form.elements;
    f.name_mode.value = c.name_mode;
    for (const flag of ['auto_publish', 'profanity_filter', 'allow_own_vote', 'show_counts', 'voting']) f[flag].checked = c[flag];
    for (const number of ['max_length', 'min_interval', 'max_questions']) f[number].value = c[number];
    f.labels.value = c.labels.join('\n');
  }
  showKindFields();
  $('#activity-save').textContent = 'Save changes';
  $('#activity-cancel').hidden = false;
  $('#activity-title').focus();
}

function resetActivityForm() {
  form.reset();
  $('#activity-id').value = '';
  editedAt = null;
  $('#activity-kind').disabled = false;
  $('#activity-save').textContent = 'Add to run sheet';
  $('#activity-cancel').hidden = true;
  showKindFields();
}

form.addEventListener('change', (event) => {
  if (event.target.matches('#activity-kind, #connect-template, #connect-points')) showKindFields();
  if (event.target.matches('#connect-template')) {
    $('#connect-minutes').value = event.target.value === 'troika' ? 24 : 5;
  }
});
$('#prompt-library').addEventListener('click', (event) => {
  const button = event.target.closest('[data-prompt]');
  if (!button) return;
  const box = $('#connect-prompts');
  box.value = (box.value.trim() ? `${box.value.trim()}\n` : '') + button.dataset.prompt;
});
showKindFields();

async function remove(activity) {
  if (window.confirm(`Delete “${activity.title}” from the run sheet?`)) {
    await act('activity:delete', { activity_id: activity.id }, '#live-error');
  }
}

async function removeDelegate(delegate) {
  const name = delegate.name || 'this delegate';
  if (window.confirm(`Remove ${name} from the workshop? Their phone is signed out and the name cannot be claimed again. What they already sent stays.`)) {
    await act('delegate:remove', { delegate_id: delegate.id }, '#roster-report');
  }
}

async function release(delegate) {
  const name = delegate.name || 'this delegate';
  if (window.confirm(`Release ${name}? Their phone goes back to the join form and the name can be claimed again.`)) {
    await act('delegate:release', { delegate_id: delegate.id }, '#roster-report');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = $('#activity-id').value;
  const data = activityData();
  const answer = id
    ? await act('activity:update', { ...data, activity_id: Number(id), updated_at: editedAt }, '#activity-error')
    : await act('activity:add', data, '#activity-error');
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

$('#doors').addEventListener('change', (event) => {
  if (event.target.name === 'doors') act('workshop:update', { doors: event.target.value }, '#doors-error');
});

$('#walk-ins-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const report = $('#walk-ins-report');
  const minutes = Number($('#walk-ins-minutes').value);
  const label = $('#walk-ins-minutes').selectedOptions[0].textContent;
  const count = await live.request('delegate:remove_walk_ins', { minutes, dry_run: true });
  if (!count.ok) { report.textContent = count.message; return; }
  if (!count.removed) { report.textContent = `No walk-in who joined in the last ${label} is without a single answer, vote or tap.`; return; }
  const people = count.removed === 1 ? '1 walk-in' : `${count.removed} walk-ins`;
  if (!window.confirm(`Remove ${people} who joined in the last ${label} and have not taken part? Their phones are signed out and the names cannot be used again.`)) return;
  const done = await live.request('delegate:remove_walk_ins', { minutes });
  report.textContent = done.ok ? `Removed ${done.removed === 1 ? '1 walk-in' : `${done.removed} walk-ins`}.` : done.message;
});

$('#roster-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const report = $('#roster-report');
  const file = $('#roster-file').files[0];
  if (!file) { report.textContent = 'Choose a CSV file first.'; return; }
  const body = new FormData();
  body.append('file', file);
  report.textContent = 'Importing…';
  try {
    const response = await fetch(app.dataset.rosterUrl, {
      method: 'POST', body, headers: { Accept: 'application/json' },
    });
    const answer = await response.json().catch(() => ({
      ok: false,
      message: response.status === 413
        ? 'The file is too large to import: split it, or remove extra columns.'
        : `The server could not import the file (error ${response.status}); try again.`,
    }));
    // A refused file adds nobody: say why, and keep the file chosen for another try.
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

startClock(live.serverNow);
everyTick((now) => refreshTicking(app, now));

// Keyboard shortcuts when not typing; ? shows them all.
const shortcuts = $('#shortcuts');
$('#help').addEventListener('click', () => shortcuts.showModal());

function toggleBlank() {
  const on = $('#blank').getAttribute('aria-pressed') !== 'true';
  act('screen:blank', { blank: on }, '#live-error');
}
$('#blank').addEventListener('click', toggleBlank);

function promptShortcut(key) {
  const activity = state.live?.activity;
  if (!PROMPT_KINDS.includes(activity?.kind)) return;
  const run = (event, data) => act(event, { activity_id: activity.id, ...data }, '#live-error');
  if (key === 't') {
    if (activity.deadline) run('prompt:timer', { action: 'pause' });
    else if (activity.paused_remaining) run('prompt:timer', { action: 'resume' });
    else run('prompt:timer', { action: 'start' });
  }
  if (key === '+' || key === '=') run('prompt:timer', { action: 'extend', seconds: 60 });
  if (key === '-') run('prompt:timer', { action: 'extend', seconds: -60 });
  if (key === 'r') run('prompt:reveal', { revealed: !activity.revealed });
}

document.addEventListener('keydown', (event) => {
  if (event.target.closest('input, textarea, select, dialog') || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === 'n' || event.key === 'ArrowRight') $('#next').click();
  else if (key === 'p' || event.key === 'ArrowLeft') $('#prev').click();
  else if (key === 'b') toggleBlank();
  else if (event.key === '?') shortcuts.showModal();
  else promptShortcut(event.key === '+' ? '+' : key);
});

// Deleting the workshop: the button waits for the join code or the title to be typed.
const sameWords = (text) => text.trim().split(/\s+/).join(' ').toLowerCase();
function deleteConfirmed() {
  const typed = $('#delete-confirm').value;
  if (typed.replace(/[\s-]/g, '').toUpperCase() === app.dataset.code) return true;
  return sameWords(typed) !== '' && sameWords(typed) === sameWords($('#workshop-title').textContent);
}
function updateDeleteButton() { $('#delete-workshop').disabled = !deleteConfirmed(); }
$('#delete-confirm').addEventListener('input', updateDeleteButton);
$('#delete-form').addEventListener('submit', (event) => {
  if (!deleteConfirmed()) event.preventDefault();
});
updateDeleteButton();
