// The facilitator's control screen: run sheet, live state, links and delegates.
import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { keyed } from '../vendor/lit-html/directives/keyed.js';
import { repeat } from '../vendor/lit-html/directives/repeat.js';
import { createDelegateList } from './delegates.js';
import { wireCopyButtons } from './dom.js';
import {
  createLocals, drawActivity, drawPart, exportsOf, labelOf, loadKinds, rendererOf,
} from './kinds.js';
import { connectLive } from './live.js';
import { rehearsalBanner, rehearsalCard } from './rehearsal.js';
import { applyEvent, createState } from './state.js';
import { paint, redrawer } from './widgets.js';

const $ = (id) => document.getElementById(id);
const app = $('app');
const key = decodeURIComponent(location.pathname.split('/').pop());

// What the screen shows: the live state (state.js), and the rest of the workshop.
const state = createState();
const page = {
  kinds: false, runsheet: [], delegates: new Map(), online: new Set(), presence: null,
  links: { screen: '', panel: '' }, stopped: false,
};
const locals = createLocals();

// --- drawing ---------------------------------------------------------------------

// Ask the server; a refusal's message goes to the error line given (or is cleared).
async function act(event, data, errorId = 'live-error') {
  const answer = await live.request(event, data);
  const errorEl = $(errorId);
  if (errorEl) errorEl.textContent = answer.ok ? '' : answer.message;
  return answer;
}

function ctxFor(activity) {
  return {
    role: 'facilitator',
    request: (event, data) => act(event, data),
    serverNow: live.serverNow,
    local: locals.of(activity.id),
    rerender: redrawLive,
    workshop: state.snapshot?.workshop,
    links: { ...page.links },
  };
}

// The activity's CSV files, from the manifest.
function exportLinks(activity) {
  const files = exportsOf(activity.kind);
  if (!files.length) return nothing;
  return html`<p class="exports">Download: ${files.map((file, i) => html`${i ? ' · ' : ''}<a
    href="${location.pathname}/activities/${activity.id}/${file.name}.csv">${file.label} (CSV)</a>`)}</p>`;
}

function drawLive() {
  if (page.stopped) return;
  const activity = page.kinds ? state.activity : null;
  locals.keep(activity?.id);
  const ctx = activity && ctxFor(activity);
  let preview = html`<p class="muted">The projector shows the join screen.</p>`;
  if (!page.kinds) preview = html`<p class="muted">Loading…</p>`;
  else if (activity) preview = drawActivity('screen', activity, ctx);
  paint(preview, $('live-preview'));
  paint(activity ? keyed(activity.id, html`${drawPart('control', activity, ctx) ?? nothing}${exportLinks(activity)}`)
    : nothing, $('live-controls'));
}

function drawRunsheet() {
  if (page.stopped) return;
  const liveId = state.activity?.id;
  const last = page.runsheet.length - 1;
  const move = (a, index) => act('activity:move', { activity_id: a.id, index });
  paint(page.runsheet.length ? repeat(page.runsheet, (a) => a.id, (a, i) => html`
    <li class=${a.id === liveId ? 'is-live' : ''}>
      <span class="kind">${labelOf(a.kind)}</span>
      <span class="runsheet-title">${a.title}</span>
      ${a.id === liveId ? html`<span class="badge">Live</span>` : nothing}
      <span class="actions">
        <button type="button" ?disabled=${a.id === liveId}
          @click=${() => leaveRound(a.title, () => act('live:set', { activity_id: a.id, version: state.version }))}>Go live</button>
        <button type="button" class="secondary" @click=${() => edit(a)}>Edit</button>
        <button type="button" class="secondary"
          @click=${() => act('activity:duplicate', { activity_id: a.id })}>Copy</button>
        <button type="button" class="secondary icon" aria-label="Move “${a.title}” up" ?disabled=${i === 0}
          @click=${() => move(a, i - 1)}>↑</button>
        <button type="button" class="secondary icon" aria-label="Move “${a.title}” down" ?disabled=${i === last}
          @click=${() => move(a, i + 1)}>↓</button>
        <button type="button" class="danger icon" aria-label="Delete “${a.title}”"
          @click=${() => remove(a)}>✕</button>
      </span>
    </li>`) : html`<li class="muted">No activities yet: add one below.</li>`, $('runsheet'));
}

function drawDelegates() {
  if (page.stopped) return;
  const p = page.presence;
  $('presence').textContent = p ? `${p.joined} joined · ${p.online} connected now${
    p.simulated ? ` · rehearsal: ${p.simulated} simulated` : ''}` : '';
  redrawRehearsal();  // it offers the roster's organisations once there is a roster
  delegateList.redraw();
}

const redrawLive = redrawer(drawLive);
const redrawRunsheet = redrawer(drawRunsheet);
const redrawDelegates = redrawer(drawDelegates);
const redrawAll = () => { redrawLive(); redrawRunsheet(); redrawDelegates(); };

function showWorkshop(workshop) {
  $('blank').setAttribute('aria-pressed', String(Boolean(workshop.blank)));
  $('blank').textContent = workshop.blank ? 'Show projector' : 'Blank projector';
  $('workshop-title').textContent = workshop.title;
  document.title = `Control · ${workshop.title}`;
  const title = $('settings-title');
  if (document.activeElement !== title) title.value = workshop.title;
  $('settings-require-name').checked = workshop.require_name;
  for (const radio of document.querySelectorAll('#doors input[name="doors"]')) {
    radio.checked = radio.value === workshop.doors;
  }
  updateDeleteButton();
}

// Panel tablets reach the laptop by its network address, like phones do.
const publicBase = app.dataset.joinUrl.replace(/\/j\/[^/]+$/, '');

function showLinks(links) {
  page.links = { screen: publicBase + links.screen, panel: publicBase + links.panel };
  $('screen-link').value = page.links.screen;
  $('panel-link').value = page.links.panel;
  $('open-screen').href = links.screen;
  $('open-panel').href = links.panel;
  redrawLive();
}

// --- the connection ----------------------------------------------------------------

const live = connectLive({
  role: 'facilitator', key, state, changed: redrawLive,
  onSnapshot(snap) {
    page.runsheet = snap.runsheet;
    listActivities();
    page.delegates = new Map(snap.delegates.map((d) => [d.id, d]));
    page.online = new Set(snap.delegates.filter((d) => d.online).map((d) => d.id));
    page.presence = snap.presence;
    delegateList.showVariants(snap.organisations);
    showWorkshop(snap.workshop);
    showLinks(snap.links);
    showRehearsal(snap.rehearsal);
    redrawAll();
  },
  handlers: {
    live(data) {
      applyEvent(state, 'live', data);
      redrawLive();
      redrawRunsheet();
    },
    runsheet(list) {
      page.runsheet = list;
      listActivities();
      redrawRunsheet();
    },
    workshop(workshop) {
      applyEvent(state, 'workshop', workshop);
      showWorkshop(workshop);
      redrawLive();
    },
    links: showLinks,
    rehearsal: showRehearsal,
    presence(p) {
      page.presence = p;
      page.online = new Set(p.online_ids);
      redrawDelegates();
    },
    delegate(d) {
      page.delegates.set(d.id, d);
      delegateList.changed();
      redrawDelegates();
    },
    delegates(list) {
      page.delegates = new Map(list.map((d) => [d.id, d]));
      delegateList.changed();
      redrawDelegates();
    },
    fatal(message) {
      page.stopped = true;
      paint(html`<p class="error" role="alert">${message}</p>`, app);
    },
    // The server could not save something (disk full, database locked).
    'server:problem'(problem) {
      const at = new Date(problem.at * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      $('server-problem-text').textContent = `${at}: ${problem.message}`;
      $('server-problem').hidden = false;
    },
  },
});
$('server-problem-close').addEventListener('click', () => { $('server-problem').hidden = true; });

// --- confirming --------------------------------------------------------------------

// Ask in the confirmation dialog; true if the person chose `ok`. Escape or Cancel: false.
function confirmed({ heading, text, ok }) {
  const dialog = $('confirm');
  if (dialog.open) return Promise.resolve(false);  // already asking
  $('confirm-heading').textContent = heading;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = ok;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

// An activity that holds answers, questions or rounds is deleted with them only once
// the facilitator has read what the server says goes with it.
async function remove(activity) {
  const asked = await confirmed({
    heading: 'Delete this activity?', text: `Delete “${activity.title}” from the run sheet?`, ok: 'Delete',
  });
  if (!asked) return;
  const data = { activity_id: activity.id };
  let answer = await live.request('activity:delete', data);
  if (answer.error === 'in_use') {
    const discard = await confirmed({
      heading: `“${activity.title}” holds what people sent`, text: answer.message, ok: 'Delete it all',
    });
    if (!discard) {
      $('live-error').textContent = '';
      return;
    }
    answer = await live.request('activity:delete', { ...data, discard: true });
  }
  $('live-error').textContent = answer.ok ? '' : answer.message;
  if (answer.ok) $('runsheet-heading').focus();  // its row, and the button, are gone
}

// The delegate list (delegates.js): its rows' actions are confirmed in the dialog above.
const delegateList = createDelegateList({ page, root: $('delegate-list'), act, confirm: confirmed });

// --- rehearsal: simulated phones, and the banner while they are in ------------------

const rehearsal = { status: null, local: {} };
// The simulated delegates, counted from the list as each joins (`rehearsal` events come
// only as a rehearsal starts or stops).
const simulatedIn = () => [...page.delegates.values()].filter((d) => d.source === 'simulated' && !d.removed);
function drawRehearsal() {
  if (page.stopped) return;
  const roster = [...page.delegates.values()].filter((d) => d.source === 'roster').length;
  const status = { ...rehearsal.status, simulated: simulatedIn().length, roster };
  const ctx = {
    request: (event, data) => live.request(event, data), rerender: redrawRehearsal,
    local: rehearsal.local, confirm: confirmed,
  };
  paint(rehearsalCard(status, ctx), $('rehearsal'));
  paint(rehearsalBanner(status, ctx), $('rehearsal-banner'));
}
const redrawRehearsal = redrawer(drawRehearsal);
function showRehearsal(status) {
  rehearsal.status = status;
  redrawDelegates();  // the bar's count, and the card with it
}

// --- the activity form -------------------------------------------------------------
// Each kind's settings come from the server (templates/control.html); this reads and
// fills them by the conventions in kinds.js.

const form = $('activity-form');
const kindSelect = $('activity-kind');

const fieldsetsOf = (kind) => [...form.querySelectorAll('.kind-fields')]
  .filter((fieldset) => fieldset.dataset.kind.split(' ').includes(kind));
const fieldsOf = (kind) => fieldsetsOf(kind).flatMap((fieldset) => [...fieldset.elements])
  .filter((el) => el.name && el.type !== 'button' && el.type !== 'submit');

// The field called `name` in the kind's fieldset that holds `el`.
const sibling = (el, name) => el.closest('.kind-fields')?.elements.namedItem(name);

function setPath(target, path, value) {
  const names = path.split('.');
  const last = names.pop();
  for (const name of names) target = target[name] ??= {};
  target[last] = value;
}
const getPath = (source, path) => path.split('.').reduce((value, name) => value?.[name], source);

function lines(text) {
  const list = text.split('\n').map((line) => line.trim());
  while (list.length && !list[list.length - 1]) list.pop();
  return list;
}

function readFields(kind) {
  const data = {};
  for (const el of fieldsOf(kind)) {
    let value = el.value;
    if (el.type === 'checkbox') value = el.checked;
    else if (el.type === 'radio' && !el.checked) continue;
    else if (el.type === 'number' && value === '') continue;
    else if (el.type === 'number' || (el.tagName === 'SELECT' && /^-?\d+$/.test(value))) value = Number(value);
    else if ('lines' in el.dataset) value = lines(value);
    setPath(data, el.name, value);
  }
  return data;
}

function fillFields(kind, config) {
  for (const el of fieldsOf(kind)) {
    const value = getPath(config, el.name);
    if (value === undefined || value === null) continue;
    if (el.type === 'checkbox') el.checked = Boolean(value);
    else if (el.type === 'radio') el.checked = String(value) === el.value;
    else el.value = Array.isArray(value) ? value.join('\n') : String(value);
  }
}

// A select with data-activities="kind …" offers the run sheet's activities of those
// kinds (an idea board to vote on, say), after its first option if that is blank.
function listActivities() {
  form.querySelectorAll('select[data-activities]').forEach((select) => {
    const kinds = select.dataset.activities.split(' ');
    const chosen = select.value;
    const blank = select.options[0]?.value === '' ? [select.options[0]] : [];
    select.replaceChildren(...blank, ...page.runsheet.filter((a) => kinds.includes(a.kind))
      .map((a) => new Option(a.title, a.id)));
    select.value = chosen;
    if (select.selectedIndex < 0) select.selectedIndex = 0;
  });
}

function showKindFields() {
  const kind = kindSelect.value;
  form.querySelectorAll('.kind-fields').forEach((fieldset) => {
    fieldset.hidden = !fieldset.dataset.kind.split(' ').includes(kind);
  });
  form.querySelectorAll('[data-show-if]').forEach((el) => {
    const [name, values] = el.dataset.showIf.split('=');
    el.hidden = !values.split('|').includes(sibling(el, name)?.value);
  });
}

// The version of the activity being edited: a save over someone else's newer one is refused.
let editedAt = null;

function edit(activity) {
  resetActivityForm();
  $('add-activity').open = true;
  $('activity-id').value = activity.id;
  editedAt = activity.updated_at;
  kindSelect.value = activity.kind;
  kindSelect.disabled = true;
  $('activity-title').value = activity.title;
  fillFields(activity.kind, activity.config);
  showKindFields();
  $('activity-save').textContent = 'Save changes';
  $('activity-cancel').hidden = false;
  $('activity-title').focus();
}

function resetActivityForm() {
  form.reset();
  $('activity-id').value = '';
  editedAt = null;
  kindSelect.disabled = false;
  $('activity-save').textContent = 'Add to run sheet';
  $('activity-cancel').hidden = true;
  $('activity-error').textContent = '';
  showKindFields();
}

form.addEventListener('change', (event) => {
  // An option may set other fields when chosen (an exercise's usual minutes).
  const fills = event.target.selectedOptions?.[0]?.dataset.fills;
  for (const [name, value] of Object.entries(fills ? JSON.parse(fills) : {})) {
    const field = sibling(event.target, name);
    if (field) field.value = value;
  }
  showKindFields();
});
form.addEventListener('click', (event) => {
  const button = event.target.closest('[data-add-line]');
  if (!button) return;
  const box = $(button.dataset.addLine);
  box.value = (box.value.trim() ? `${box.value.trim()}\n` : '') + button.dataset.line;
});
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = $('activity-id').value;
  const data = { kind: kindSelect.value, title: $('activity-title').value, ...readFields(kindSelect.value) };
  const answer = id
    ? await act('activity:update', { ...data, activity_id: Number(id), updated_at: editedAt }, 'activity-error')
    : await act('activity:add', data, 'activity-error');
  if (answer.ok) resetActivityForm();
});
$('activity-cancel').addEventListener('click', resetActivityForm);
showKindFields();

// --- stepping through, settings, links, delegates ------------------------------------

// Leaving a running Connect round ends it for the whole room: ask first, in the page's
// own dialog (focus starts on Cancel, the safe choice), then go.
async function leaveRound(where, go) {
  const round = state.activity?.round;
  const left = round?.running ? round.ends_at * 1000 - live.serverNow() : 0;
  if (left > 0) {
    const seconds = Math.ceil(left / 1000);
    const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    const asked = await confirmed({
      heading: 'End the round?', ok: 'End it and go',
      text: `A round is running with ${clock} left. End it and go to ${where}?`,
    });
    if (!asked) return;
  }
  go();
}
const neighbourTitle = (step) => {
  const index = page.runsheet.findIndex((a) => a.id === state.activity?.id);
  return page.runsheet[index + step] ? `“${page.runsheet[index + step].title}”`
    : step > 0 ? 'the next activity' : 'the previous activity';
};
$('next').addEventListener('click', () => leaveRound(neighbourTitle(1),
  () => act('live:next', { version: state.version })));
$('prev').addEventListener('click', () => leaveRound(neighbourTitle(-1),
  () => act('live:previous', { version: state.version })));
$('clear').addEventListener('click', () => act('live:set', { activity_id: null, version: state.version }));

function toggleBlank() {
  act('screen:blank', { blank: $('blank').getAttribute('aria-pressed') !== 'true' });
}
$('blank').addEventListener('click', toggleBlank);

$('settings-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act('workshop:update', { title: $('settings-title').value, require_name: $('settings-require-name').checked },
    'settings-error');
});

app.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-regenerate]');
  if (!button) return;
  const which = button.dataset.regenerate === 'screen' ? 'projector' : 'panel';
  if (window.confirm(`Replace the ${which} link? Screens open on the old link stop working.`)) {
    await act('link:regenerate', { screen: button.dataset.regenerate }, 'settings-error');
  }
});
wireCopyButtons(app);

$('doors').addEventListener('change', (event) => {
  if (event.target.name === 'doors') act('workshop:update', { doors: event.target.value }, 'doors-error');
});

const walkIns = (n) => (n === 1 ? '1 walk-in' : `${n} walk-ins`);
$('walk-ins-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const report = $('walk-ins-report');
  const minutes = Number($('walk-ins-minutes').value);
  const label = $('walk-ins-minutes').selectedOptions[0].textContent;
  const count = await live.request('delegate:remove_walk_ins', { minutes, dry_run: true });
  if (!count.ok) { report.textContent = count.message; return; }
  if (!count.removed) {
    report.textContent = `No walk-in who joined in the last ${label} is without a single answer, vote or tap.`;
    return;
  }
  if (!window.confirm(`Remove ${walkIns(count.removed)} who joined in the last ${label} and have not taken part? Their phones are signed out and the names cannot be used again.`)) return;
  const done = await live.request('delegate:remove_walk_ins', { minutes });
  report.textContent = done.ok ? `Removed ${walkIns(done.removed)}.` : done.message;
});

$('roster-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const report = $('roster-report');
  const say = (text, problems = []) => paint(html`${text}${problems.length
    ? html`<ul class="problems">${problems.slice(0, 20).map((p) => html`<li>${p}</li>`)}</ul>` : nothing}`, report);
  const file = $('roster-file').files[0];
  if (!file) { say('Choose a CSV file first.'); return; }
  const body = new FormData();
  body.append('file', file);
  say('Importing…');
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
    if (!answer.ok) { say(answer.message); return; }
    const parts = [`Added ${answer.added} delegates.`];
    if (answer.already_present) parts.push(`${answer.already_present} were already on the list.`);
    say(parts.join(' '), answer.problems);
    $('roster-form').reset();
  } catch {
    say('The import did not reach the server; check the connection and try again.');
  }
});

// --- keyboard shortcuts when not typing; ? shows them all --------------------------

const shortcuts = $('shortcuts');
$('help').addEventListener('click', () => shortcuts.showModal());

document.addEventListener('keydown', (event) => {
  if (event.target.closest('input, textarea, select, dialog') || event.ctrlKey || event.metaKey || event.altKey) return;
  const pressed = event.key === '=' ? '+' : event.key.toLowerCase();
  if (pressed === 'n' || event.key === 'ArrowRight') $('next').click();
  else if (pressed === 'p' || event.key === 'ArrowLeft') $('prev').click();
  else if (pressed === 'b') toggleBlank();
  else if (event.key === '?') shortcuts.showModal();
  else {
    // The live activity's kind may have keys of its own (a countdown, revealing results).
    const activity = state.activity;
    const run = activity && rendererOf(activity.kind).keys?.[pressed];
    if (run) {
      event.preventDefault();
      run(activity, ctxFor(activity));
    }
  }
});

// --- deleting the workshop: the button waits for the join code or the title ---------

const sameWords = (text) => text.trim().split(/\s+/).join(' ').toLowerCase();
function deleteConfirmed() {
  const typed = $('delete-confirm').value;
  if (typed.replace(/[\s-]/g, '').toUpperCase() === app.dataset.code) return true;
  return sameWords(typed) !== '' && sameWords(typed) === sameWords($('workshop-title').textContent);
}
function updateDeleteButton() { $('delete-workshop').disabled = !deleteConfirmed(); }
$('delete-confirm').addEventListener('input', updateDeleteButton);
$('delete-form').addEventListener('submit', (event) => {
  if (!deleteConfirmed()) event.preventDefault();
});
updateDeleteButton();

loadKinds().then(() => {
  page.kinds = true;
  redrawAll();
});
