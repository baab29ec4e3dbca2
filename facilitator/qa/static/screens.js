// The Q&A family on the projector, the control screen, the panel and the report.
// Moderators (control screen and panel) approve, edit, dismiss, restore, answer,
// star, label, order, merge and silence posts (from a compact, filtered list of
// hundreds, by keyboard too, a selection at once, each action undoable), and change
// the session's settings in a drawer;
// panellists read the question being answered and those next up in large type.
import { html } from '/static/vendor/lit-html/lit-html.js';
import { ifDefined } from '/static/vendor/lit-html/directives/if-defined.js';
import { live } from '/static/vendor/lit-html/directives/live.js';
import { ref } from '/static/vendor/lit-html/directives/ref.js';
import { repeat } from '/static/vendor/lit-html/directives/repeat.js';
import {
  SHOWN, WORDS, answeringNow, askerOf, byNewest, byOldest, byOrder, byVotes, countsLine, forEachKind, postsIn,
} from './posts.js';

// --- the projector (and the control screen's preview) -----------------------------

function counts(activity) {
  return activity.settings.show_counts && activity.counts
    ? html`<p class="qa-counts">${countsLine(activity.counts)}</p>` : null;
}

// The projector shows vote counts unless the moderators chose to hide them there.
const votesShown = (activity) => activity.settings.voting && !activity.settings.hide_votes;

function topList(posts, voting) {
  return html`<ol class="top-questions">${repeat(posts, (q) => q.id, (q) => html`<li>
    ${voting ? html`<span class="votes" aria-label="${q.votes} ${q.votes === 1 ? 'vote' : 'votes'}">▲ ${
      q.votes}</span>` : null}
    <span class="question-text">${q.text}</span>
  </li>`)}</ol>`;
}

function questionsScreen(activity) {
  const now = answeringNow(activity);
  const waiting = postsIn(activity, ['published'], byVotes).slice(0, 5);
  return html`<h2 class="activity-title">${activity.title}</h2>
    ${now ? html`<section class="answering-now">
      <p class="round-label">Answering now</p>
      <p class="question-text">${now.text}</p>
      <p class="asker">${askerOf(now)}</p>
    </section>` : null}
    ${waiting.length ? topList(waiting, votesShown(activity)) : null}
    ${!now && !waiting.length ? html`<p class="muted">${WORDS.qa.screen}</p>` : null}
    ${counts(activity)}`;
}

function wallScreen(activity) {
  const posts = postsIn(activity, ['published', 'answering'], byNewest).slice(0, 40);
  return html`<h2 class="activity-title">${activity.title}</h2>
    ${posts.length ? html`<ul class="wall">${repeat(posts, (q) => q.id, (q) => html`<li class="wall-card">
      <p class="question-text">${q.text}</p>
      ${q.asker ? html`<p class="asker">${q.asker}</p>` : null}
    </li>`)}</ul>` : html`<p class="muted">${WORDS.reflection.screen}</p>`}
    ${counts(activity)}`;
}

function ideasScreen(activity) {
  const top = postsIn(activity, SHOWN, byVotes).slice(0, 8);
  return html`<h2 class="activity-title">${activity.title}</h2>
    ${top.length ? topList(top, votesShown(activity)) : html`<p class="muted">${WORDS.ideas.screen}</p>`}
    ${counts(activity)}`;
}

// --- moderation ---------------------------------------------------------------------

const HELD = { language: 'Held: strong language', silenced: 'Held: asker silenced' };

function moderationState() {
  return {
    mode: 'moderate', sort: 'votes', label: '', note: '',
    editing: null, editText: '',
    merging: null,  // the post whose "Merge into" list is open
    focus: null,  // what to focus once drawn (see focusOnce)
    words: null,  // the held words being edited, until saved
    filter: 'pending', search: '', tag: '',  // which posts the list shows
    current: null, index: 0,  // the row in hand (its controls open), and where it is
    inList: false,  // the focus is in the list: keep it on the row in hand
    selected: new Set(), seen: null, toast: null, confirming: false,
  };
}

// Everything a moderator does goes through here: the answer's problem, if any, is
// shown (by the control screen itself under its live panel).
async function request(ui, ctx, event, data) {
  const answer = await ctx.request(event, data);
  ui.note = answer.ok || ctx.role === 'facilitator' ? '' : answer.message;
  ctx.rerender();
  return answer;
}

function act(ui, activity, ctx, q, action, extra = {}) {
  return request(ui, ctx, 'qa:moderate', {
    activity_id: activity.id, question_id: q.id, action, version: q.version, ...extra,
  }).then((answer) => {
    if (answer.ok && action !== 'star') { offerUndo(ui, activity, answer); ctx.rerender(); }
    if (answer.ok && ui.editing === q.id) {
      Object.assign(ui, { editing: null, focus: `edit-${q.id}` });
      ctx.rerender();
    }
    return answer;
  });
}

const button = (label, onclick, cls = 'secondary small', name = undefined) => html`<button type="button"
  class=${cls} aria-label=${ifDefined(name)} @click=${onclick}>${label}</button>`;

// A ref that focuses its element once, when ui[flag] names this post: focus goes to
// what a button opened, and back to the button when it closes. A new element is
// put in the page only once drawn, so it is focused just after.
const focusOnce = (ui, flag, id) => ref((el) => {
  if (el && ui[flag] === id) {
    ui[flag] = null;
    queueMicrotask(() => el.focus());
  }
});

function askerLine(q) {
  return html`<p class="asker muted">${askerOf(q, ' · ')} · ▲ ${q.votes}${
    q.label ? html`<span class="chip">${q.label}</span>` : null}${
    q.starred ? html`<span class="chip star">★ starred</span>` : null}${
    q.silenced ? html`<span class="chip held">asker silenced</span>` : null}</p>`;
}

function editor(ui, activity, ctx, q) {
  const approve = q.status === 'pending';
  const save = () => act(ui, activity, ctx, q, approve ? 'approve' : 'edit', { text: ui.editText });
  const cancel = () => { Object.assign(ui, { editing: null, focus: `edit-${q.id}` }); ctx.rerender(); };
  return html`<div class="stack">
    <textarea rows="3" aria-label="Edit the question" maxlength=${activity.settings.max_length}
      .value=${live(ui.editText)} @input=${(e) => { ui.editText = e.target.value; }}
      ${focusOnce(ui, 'focus', `editor-${q.id}`)}></textarea>
    <div class="button-row">
      ${button(approve ? 'Save and approve' : 'Save', save, 'small')}
      ${button('Cancel', cancel)}
    </div>
  </div>`;
}

function labelSelect(ui, activity, ctx, q) {
  const labels = activity.settings.labels;
  if (!labels.length) return null;
  const change = (e) => act(ui, activity, ctx, q, 'label', { label: e.target.value });
  return html`<select class="small-select" aria-label="Label" @change=${change}>
    <option value="" .selected=${live(!q.label)}>No label</option>
    ${labels.map((l) => html`<option value=${l} .selected=${live(q.label === l)}>${l}</option>`)}
  </select>`;
}

const short = (text) => (text.length > 60 ? `${text.slice(0, 58)}…` : text);

// "Merge…" opens the list of posts to merge into for this post alone: a long session
// would otherwise draw every published post into every row.
function mergeSelect(ui, activity, ctx, q, targets) {
  const others = targets.filter((t) => t.id !== q.id);
  if (!others.length) return null;
  if (ui.merging !== q.id) {
    const open = () => { Object.assign(ui, { merging: q.id, focus: `merging-${q.id}` }); ctx.rerender(); };
    return html`<button type="button" class="secondary small" ${focusOnce(ui, 'focus', `merge-${q.id}`)}
      @click=${open}>Merge…</button>`;
  }
  const close = () => { Object.assign(ui, { merging: null, focus: `merge-${q.id}` }); ctx.rerender(); };
  const change = async (e) => {
    if (!e.target.value) return;
    const answer = await act(ui, activity, ctx, q, 'merge', { into: Number(e.target.value) });
    if (answer.ok) close();
    else if (e.target.isConnected) e.target.value = '';
  };
  return html`<select class="small-select" aria-label="Merge into" @change=${change}
    @keydown=${(e) => { if (e.key === 'Escape') close(); }} ${focusOnce(ui, 'focus', `merging-${q.id}`)}>
    <option value="" .selected=${live(true)}>Merge into…</option>
    ${repeat(others, (t) => t.id, (t) => html`<option value=${t.id}>${short(t.text)}</option>`)}
  </select>${button('Cancel', close, 'secondary small', 'Cancel merging')}`;
}

function orderSelect(ui, ctx) {
  const change = (e) => { ui.sort = e.target.value; ctx.rerender(); };
  return html`<select class="small-select" aria-label="Order" @change=${change}>
    <option value="votes" .selected=${live(ui.sort === 'votes')}>Most votes</option>
    <option value="order" .selected=${live(ui.sort === 'order')}>Moderator order</option>
  </select>`;
}

function editButton(ui, ctx, q) {
  const start = () => {
    Object.assign(ui, { editing: q.id, editText: q.text, focus: `editor-${q.id}` });
    ctx.rerender();
  };
  return html`<button type="button" class="secondary small" @click=${start}
    ${focusOnce(ui, 'focus', `edit-${q.id}`)}>Edit</button>`;
}

function silenceButton(ui, activity, ctx, q) {
  return button(q.silenced ? 'Let asker speak' : 'Silence asker', () => request(ui, ctx, 'qa:silence', {
    activity_id: activity.id, question_id: q.id, silenced: !q.silenced,
  }));
}

const NOUN = { qa: ['question', 'questions'], reflection: ['reflection', 'reflections'], ideas: ['idea', 'ideas'] };
const noun = (activity, n) => (NOUN[activity.kind] || NOUN.qa)[n === 1 ? 0 : 1];
const DONE = {
  approve: 'Approved', dismiss: 'Dismissed', restore: 'Restored', answering: 'Answering now:',
  answered: 'Marked answered:', merge: 'Merged', label: 'Labelled', edit: 'Edited', star: 'Starred',
};

// What "Undo" will take back: the toast names the last action.
function offerUndo(ui, activity, answer) {
  if (!answer.ok) return;
  const n = answer.undo ? answer.undo.count : 0;
  ui.toast = answer.undo
    ? { text: `${DONE[answer.undo.action] || 'Changed'} ${n} ${noun(activity, n)}`, undo: answer.undo }
    : { text: `Nothing to change: ${answer.skipped} already so`, undo: null };
}

function toast(ui, activity, ctx) {
  if (!ui.toast) return null;
  const undo = async () => {
    const answer = await request(ui, ctx, 'qa:undo', { activity_id: activity.id, undo_id: ui.toast.undo.id });
    ui.toast = answer.ok ? { text: `Undone: ${DONE[answer.undone.action] || 'changed'} ${answer.undone.count} ${
      noun(activity, answer.undone.count)}`, undo: null } : { text: answer.message, undo: null, failed: true };
    ctx.rerender();
  };
  return html`<div class="qa-toast ${ui.toast.failed ? 'failed' : ''}" role="status">
    <span>${ui.toast.text}</span>
    ${ui.toast.undo ? button('Undo', undo, 'small') : null}
    ${button('×', () => { ui.toast = null; ctx.rerender(); }, 'secondary small', 'Close')}
  </div>`;
}

// The filters: what each state is called, what it holds and in what order.
const FILTERS = [
  ['pending', 'Incoming', ['pending']],
  ['live', 'Live', ['published', 'answering']],
  ['answered', 'Answered', ['answered']],
  ['dismissed', 'Dismissed', ['dismissed']],
  ['all', 'All', ['pending', 'published', 'answering', 'answered', 'dismissed']],
];
const STATE = {
  pending: 'incoming', published: 'live', answering: 'answering now', answered: 'answered', dismissed: 'dismissed',
};

function matches(ui, q) {
  if (ui.tag === '-' ? q.label : ui.tag && q.label !== ui.tag) return false;
  const s = ui.search.trim().toLowerCase();
  return !s || [q.text, q.asker || 'anonymous', q.organisation || ''].some((t) => t.toLowerCase().includes(s));
}

// The list in view. Incoming is oldest first, so a question arriving goes below and
// nothing moves under the moderator's hand; the "new" cue says how many came.
function visible(ui, activity) {
  const [, , statuses] = FILTERS.find(([key]) => key === ui.filter);
  const order = { pending: byOldest, live: ui.sort === 'votes' ? byVotes : byOrder }[ui.filter] || byNewest;
  return postsIn(activity, statuses, order).filter((q) => matches(ui, q));
}

function settingsDrawer(ui, activity, ctx) {
  const s = activity.settings;
  const words = activity.words || [];
  const open = (activity.questions || []).length;
  const change = (field) => async (e) => {
    const answer = await request(ui, ctx, 'qa:settings', { activity_id: activity.id, [field]: e.target.checked });
    if (!answer.ok) ctx.rerender();  // the box goes back to the setting as it is
  };
  const check = (field, label) => html`<label class="check">
    <input type="checkbox" .checked=${live(Boolean(s[field]))} @change=${change(field)}>${label}</label>`;
  const saveWords = async () => {
    const answer = await request(ui, ctx, 'qa:settings', {
      activity_id: activity.id, words: (ui.words ?? words.join('\n')).split('\n'),
    });
    if (answer.ok) { ui.words = null; ctx.rerender(); }
  };
  const confirm = () => { ui.confirming = true; ctx.rerender(); };
  const close = () => { ui.confirming = false; ctx.rerender(); };
  const archive = async () => {
    ui.confirming = false;
    const answer = await request(ui, ctx, 'qa:archive', { activity_id: activity.id });
    if (answer.ok) ui.toast = { text: `Archived ${answer.archived} ${noun(activity, answer.archived)}`, undo: null };
    ctx.rerender();
  };
  // A new element is put in the page only once drawn: open it just after.
  const showModal = ref((el) => {
    if (el) queueMicrotask(() => { if (ui.confirming && el.isConnected && !el.open) el.showModal(); });
  });
  return html`<details class="qa-drawer">
    <summary class="button secondary small">Settings</summary>
    <div class="qa-drawer-body">
      <h3>Settings</h3>
      ${check('auto_publish', 'Publish without review')}
      ${check('profanity_filter', 'Hold posts with strong language for review')}
      ${check('show_counts', `Show on the projector how many ${noun(activity, 2)} were received, published,
        held and answered`)}
      ${s.voting ? check('hide_votes', 'Hide vote counts on the projector (phones still show them)') : null}
      <details>
        <summary>Held words (${words.length})</summary>
        <p class="hint held-words">${words.length ? `Held now: ${words.join(', ')}` : 'No words are held.'}</p>
        <textarea rows="4" aria-label="Held words, one per line" .value=${live(ui.words ?? words.join('\n'))}
          @input=${(e) => { ui.words = e.target.value; }}></textarea>
        <div class="button-row">${button('Save words', saveWords, 'small')}</div>
      </details>
      <h3 class="danger-heading">Danger</h3>
      <p class="hint">At the end of the session: phones and the projector will show none.</p>
      <div class="button-row">${button(`Archive all ${noun(activity, 2)}…`, confirm, 'danger small')}</div>
    </div>
    ${ui.confirming ? html`<dialog class="qa-confirm" aria-labelledby="qa-confirm-title" ${showModal} @close=${close}>
      <h2 id="qa-confirm-title">Archive all ${open} ${noun(activity, open)}?</h2>
      <p>Every ${noun(activity, 1)} of “${activity.title}” leaves the phones, the panel and the projector.
        This cannot be undone.</p>
      <div class="button-row">
        ${button(`Archive ${open} ${noun(activity, open)}`, archive, 'danger')}
        ${button('Cancel', close, 'secondary')}
      </div>
    </dialog>` : null}
  </details>`;
}

const KEYS = [['J or ↓', 'next'], ['K or ↑', 'previous'], ['A', 'approve'], ['D', 'dismiss'], ['E', 'edit'],
  ['Enter or Space', 'answer now (again: answered)'], ['X', 'select']];

function keyboardHelp() {
  return html`<details class="qa-keys"><summary>Keyboard</summary>
    <div class="qa-keys-body">
      <p class="hint">With a row focused (click one, or Tab into the list):</p>
      <dl>${KEYS.map(([k, what]) => html`<div><dt><kbd>${k}</kbd></dt><dd>${what}</dd></div>`)}</dl>
    </div>
  </details>`;
}

// The full controls of the row in hand.
function controls(ui, activity, ctx, q, published) {
  const run = (action, extra) => () => act(ui, activity, ctx, q, action, extra);
  const edit = editButton(ui, ctx, q);
  const ordered = ui.sort === 'order' && ui.filter === 'live';
  if (q.status === 'pending') {
    return html`${button('Approve', run('approve'), 'small')}${edit}${button('Dismiss', run('dismiss'))}
      ${labelSelect(ui, activity, ctx, q)}${mergeSelect(ui, activity, ctx, q, published)}
      ${silenceButton(ui, activity, ctx, q)}`;
  }
  if (q.status === 'published' || q.status === 'answering') {
    return html`${q.status === 'answering' ? button('Mark answered', run('answered'), 'small')
      : button('Answer now', run('answering'), 'small')}
      ${button(q.starred ? '☆ Unstar' : '★ Star', run('star', { starred: !q.starred }))}
      ${ordered && q.status === 'published' ? html`
        ${button('↑', run('move', { direction: 'up' }), 'secondary small', 'Move up')}
        ${button('↓', run('move', { direction: 'down' }), 'secondary small', 'Move down')}` : null}
      ${edit}${labelSelect(ui, activity, ctx, q)}
      ${q.status === 'published' ? mergeSelect(ui, activity, ctx, q, published) : null}
      ${button('Dismiss', run('dismiss'))}`;
  }
  return html`${button('Restore', run('restore'))}${q.status === 'answered' ? edit : null}`;
}

function row(ui, activity, ctx, q, published) {
  const current = q.id === ui.current;
  const picked = ui.selected.has(q.id);
  const pick = (e) => {
    if (e.target.checked) ui.selected.add(q.id); else ui.selected.delete(q.id);
    ctx.rerender();
  };
  const take = (e) => {
    if (ui.current === q.id || e.target.closest('button, select, textarea, input, a')) return;
    ui.current = q.id;
    ctx.rerender();
  };
  // The row in hand keeps the focus when the list is drawn again (questions arriving,
  // votes changing the order): lit may move its element, which drops the focus.
  const focus = (e) => {
    if (e.target !== e.currentTarget || ui.current === q.id) return;
    ui.current = q.id;
    ctx.rerender();
  };
  const keep = ref((el) => {
    if (!el || !current || !ui.inList) return;
    queueMicrotask(() => { if (el.isConnected && !el.contains(document.activeElement)) el.focus(); });
  });
  return html`<li class="qa-row ${q.status} ${current ? 'current' : ''} ${picked ? 'picked' : ''}"
    data-question-id=${q.id} tabindex=${current ? '0' : '-1'} aria-current=${current ? 'true' : 'false'}
    @click=${take} @focus=${focus}
    ${current ? keep : null}>
    <input type="checkbox" class="qa-pick" aria-label="Select" .checked=${live(picked)} @change=${pick}>
    <div class="qa-row-main">
      <p class="question-text">${q.text}</p>
      <p class="qa-row-meta">
        <span class="asker">${askerOf(q, ' · ')}</span>
        ${activity.settings.voting ? html`<span class="votes">▲ ${q.votes}</span>` : null}
        <span class="chip chip-${q.status}">${STATE[q.status] || q.status}</span>
        ${q.label ? html`<span class="chip">${q.label}</span>` : null}
        ${q.held ? html`<span class="chip held">${HELD[q.held] || 'Held'}</span>` : null}
        ${q.starred ? html`<span class="chip star">★</span>` : null}
        ${q.silenced ? html`<span class="chip held">asker silenced</span>` : null}
        ${q.status === 'pending' && !ui.seen.has(q.id) ? html`<span class="chip new">new</span>` : null}
      </p>
      ${current ? html`
        ${q.original_text ? html`<p class="muted small-text">Originally: ${q.original_text}</p>` : null}
        ${ui.editing === q.id ? editor(ui, activity, ctx, q) : html`<div class="button-row">${
          controls(ui, activity, ctx, q, published)}</div>`}` : null}
    </div>
  </li>`;
}

function bulkBar(ui, activity, ctx, list) {
  const shown = list.map((q) => q.id);
  const chosen = shown.filter((id) => ui.selected.has(id));
  const all = shown.length > 0 && chosen.length === shown.length;
  const toggleAll = () => {
    if (all) shown.forEach((id) => ui.selected.delete(id)); else shown.forEach((id) => ui.selected.add(id));
    ctx.rerender();
  };
  const bulk = (action, extra = {}) => async () => {
    const answer = await request(ui, ctx, 'qa:moderate_many', {
      activity_id: activity.id, question_ids: chosen.slice(0, 500), action, ...extra,
    });
    if (answer.ok) { ui.selected.clear(); offerUndo(ui, activity, answer); }
    ctx.rerender();
  };
  const labels = activity.settings.labels;
  const setLabel = (e) => {
    const { value } = e.target;
    e.target.value = '?';
    if (value !== '?') bulk('label', { label: value })();
  };
  return html`<div class="qa-bulk">
    <label class="check"><input type="checkbox" .checked=${live(all)} ?disabled=${!shown.length}
      @change=${toggleAll}>Select all shown (${shown.length})</label>
    <span class="muted">${chosen.length} selected</span>
    ${chosen.length ? html`
      ${button(`Approve ${chosen.length}`, bulk('approve'), 'small')}
      ${button(`Dismiss ${chosen.length}`, bulk('dismiss'))}
      ${labels.length ? html`<select class="small-select" aria-label="Label the selected" @change=${setLabel}>
        <option value="?" selected>Label ${chosen.length}…</option>
        <option value="">No label</option>
        ${labels.map((l) => html`<option value=${l}>${l}</option>`)}
      </select>` : null}
      ${button('Clear', () => { ui.selected.clear(); ctx.rerender(); })}` : null}
  </div>`;
}

function moderate(ui, activity, ctx) {
  const everything = activity.questions || [];
  if (!ui.seen) ui.seen = new Set(everything.map((q) => q.id));
  const published = postsIn(activity, ['published'], byVotes);
  const list = visible(ui, activity);
  // The row in hand: the one chosen while it is in the list, else the one now where it was.
  let index = list.findIndex((q) => q.id === ui.current);
  if (index < 0 && list.length) index = Math.min(ui.index, list.length - 1);
  ui.current = index < 0 ? null : list[index].id;
  ui.index = Math.max(index, 0);
  const fresh = everything.filter((q) => q.status === 'pending' && !ui.seen.has(q.id));
  const count = (statuses) => everything.filter((q) => statuses.includes(q.status)).length;
  const setFilter = (key) => () => { Object.assign(ui, { filter: key, index: 0, current: null }); ctx.rerender(); };
  const labels = activity.settings.labels;
  const go = (i) => {
    if (!list.length) return;
    const q = list[Math.max(0, Math.min(list.length - 1, i))];
    ui.current = q.id;
    ui.seen.add(q.id);
    ctx.rerender();
  };
  const keys = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const onRow = e.target.classList.contains('qa-row');
    if (!onRow && !e.target.classList.contains('qa-pick')) return;  // a text field, a button: theirs
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const q = list[index];
    const run = (action, extra) => { if (q) act(ui, activity, ctx, q, action, extra); };
    const done = {
      j: () => go(index + 1), ArrowDown: () => go(index + 1), k: () => go(index - 1), ArrowUp: () => go(index - 1),
      a: () => q?.status === 'pending' && run('approve'),
      d: () => ['pending', 'published', 'answering'].includes(q?.status) && run('dismiss'),
      e: () => q && q.status !== 'dismissed' && (Object.assign(ui, { editing: q.id, editText: q.text,
        focus: `editor-${q.id}` }), ctx.rerender()),
      x: () => q && (ui.selected.has(q.id) ? ui.selected.delete(q.id) : ui.selected.add(q.id), ctx.rerender()),
    };
    if (onRow && (key === 'Enter' || key === ' ')) {
      done[key] = () => (q?.status === 'answering' ? run('answered')
        : ['published', 'answered'].includes(q?.status) && run('answering'));
    }
    if (!done[key]) return;
    e.preventDefault();
    done[key]();
  };
  const focusin = () => { ui.inList = true; };
  const focusout = (e) => {
    if (e.relatedTarget && e.currentTarget.contains(e.relatedTarget)) return;
    const left = e.target;
    // A row taken out of the list (approved, dismissed) hands the focus to the next;
    // focus moved elsewhere on the page is left there.
    queueMicrotask(() => { if (left.isConnected) ui.inList = false; });
  };
  const showNew = () => { fresh.forEach((q) => ui.seen.add(q.id)); setFilter('pending')(); };
  return html`<div class="qa-moderation-list">
    <div class="qa-filters">
      <input type="search" class="qa-search" placeholder="Search text or asker" aria-label="Search questions"
        .value=${live(ui.search)} @input=${(e) => { ui.search = e.target.value; ctx.rerender(); }}>
      <div class="qa-states" role="group" aria-label="Show">
        ${FILTERS.map(([key, name, statuses]) => html`<button type="button"
          class="small ${ui.filter === key ? '' : 'secondary'}" aria-pressed=${String(ui.filter === key)}
          @click=${setFilter(key)}>${name} <span class="count">${count(statuses)}</span></button>`)}
      </div>
      ${labels.length ? html`<select class="small-select" aria-label="Label filter"
        @change=${(e) => { ui.tag = e.target.value; ctx.rerender(); }}>
        <option value="" .selected=${live(!ui.tag)}>Any label</option>
        <option value="-" .selected=${live(ui.tag === '-')}>No label (${
          everything.filter((q) => !q.label).length})</option>
        ${labels.map((l) => html`<option value=${l} .selected=${live(ui.tag === l)}>${l} (${
          everything.filter((q) => q.label === l).length})</option>`)}
      </select>` : null}
      ${ui.filter === 'live' ? orderSelect(ui, ctx) : null}
      ${keyboardHelp()}
    </div>
    ${fresh.length ? html`<p class="qa-new" role="status"><span class="chip new">${fresh.length} new</span>
      at the end of Incoming ${button('Seen', showNew)}</p>` : null}
    ${bulkBar(ui, activity, ctx, list)}
    ${list.length ? html`<ul class="qa-rows" aria-label="Questions" @keydown=${keys} @focusin=${focusin}
      @focusout=${focusout}>${repeat(list, (q) => q.id, (q) => row(ui, activity, ctx, q, published))}</ul>`
      : html`<p class="muted qa-empty">${ui.search || ui.tag ? 'Nothing matches.'
        : { pending: 'Nothing waiting.', live: WORDS[activity.kind].none }[ui.filter] || 'None.'}</p>`}
    ${toast(ui, activity, ctx)}
  </div>`;
}

// --- the panellists' view -----------------------------------------------------------

function reading(ui, activity, ctx) {
  const labels = activity.settings.labels;
  const shown = postsIn(activity, ['published', 'answering'], ui.sort === 'votes' ? byVotes : byOrder)
    .filter((q) => !ui.label || q.label === ui.label);
  const now = shown.find((q) => q.status === 'answering');
  const rest = shown.filter((q) => q !== now);
  const filter = (e) => { ui.label = e.target.value; ctx.rerender(); };
  return html`<div class="qa-reading">
    <div class="qa-toolbar">
      ${orderSelect(ui, ctx)}
      ${labels.length ? html`<select class="small-select" aria-label="Show questions for" @change=${filter}>
        <option value="" .selected=${live(!ui.label)}>All labels</option>
        ${labels.map((l) => html`<option value=${l} .selected=${live(ui.label === l)}>${l}</option>`)}
      </select>` : null}
    </div>
    ${now ? html`<section class="answering-now">
      <p class="round-label">Answering now</p>
      <p class="question-text">${now.text}</p>
      ${askerLine(now)}
    </section>` : null}
    ${rest.length ? html`<section>
      <p class="round-label">Next up</p>
      <ol class="reading-list">${repeat(rest, (q) => q.id, (q, i) => html`<li class=${i === 0 ? 'next' : ''}>
        <p class="question-text">${q.text}</p>
        ${askerLine(q)}
      </li>`)}</ol>
    </section>` : html`<p class="muted">No questions waiting.</p>`}
  </div>`;
}

function moderation(activity, ctx, more = null) {
  const ui = ctx.local('qa-moderation', moderationState);
  const c = activity.counts;
  const mode = (value, label) => html`<button type="button" class=${ui.mode === value ? '' : 'secondary'}
    aria-pressed=${String(ui.mode === value)} @click=${() => { ui.mode = value; ctx.rerender(); }}>${label}</button>`;
  return html`<div class="qa-moderator">
    <div class="qa-head">
      ${ctx.role === 'facilitator' ? null : html`<h2>${activity.title}</h2>`}
      ${c ? html`<p class="qa-counts">${c.received} received · ${c.waiting} waiting for review
        · ${c.published} published · ${c.held} held · ${c.answered} answered</p>` : null}
      <div class="button-row mode">${mode('moderate', 'Moderate')}${mode('read', 'Panellist view')}</div>
      ${settingsDrawer(ui, activity, ctx)}
    </div>
    ${more}
    ${ui.note ? html`<p class="error" role="alert">${ui.note}</p>` : null}
    ${ui.mode === 'moderate' ? moderate(ui, activity, ctx) : reading(ui, activity, ctx)}
  </div>`;
}

// The control screen: the live session's moderation, and where else to do it.
function control(activity, ctx) {
  const panel = ctx.links?.panel;
  return moderation(activity, ctx, panel ? html`<p><a href=${panel} target="_blank" rel="noopener">Moderate on
    the panel screen</a></p>` : null);
}

// The panel works on a session that is not live from its whole view: asked for
// whenever the panel holds none (at first, and after a reconnect), once at a time;
// after a refusal, when the moderator says so.
function panel(activity, ctx) {
  if (ctx.held) return moderation(activity, ctx);
  const ui = ctx.local('qa-open', () => ({ asking: false, error: '' }));
  const ask = () => {
    Object.assign(ui, { asking: true, error: '' });
    ctx.request('qa:open', { activity_id: activity.id }).then((answer) => {
      ui.asking = false;
      if (answer.ok) ctx.hold(answer.qa);
      else ui.error = answer.message;
      ctx.rerender();
    });
  };
  if (!ui.asking && !ui.error) ask();
  return ui.error ? html`<p class="error" role="alert">${ui.error}</p>
    <button type="button" class="secondary small" @click=${() => { ask(); ctx.rerender(); }}>Try again</button>`
    : html`<p class="muted">Loading ${activity.title}…</p>`;
}

// --- the event report ---------------------------------------------------------------

function report(section) {
  const { view } = section;
  const top = postsIn(view, SHOWN, byVotes).slice(0, 15);
  return html`${section.counts ? html`<p>${countsLine(section.counts)}</p>` : null}
    ${top.length ? html`<ol class="report-questions">${top.map((q) => html`<li>
      <span class="question-text">${q.text}</span>${view.settings.voting ? ` (▲ ${q.votes})` : ''}
    </li>`)}</ol>` : html`<p class="muted">${WORDS[section.kind].none}</p>`}`;
}

const SCREENS = { qa: questionsScreen, reflection: wallScreen, ideas: ideasScreen };

export default forEachKind((kind) => ({ screen: SCREENS[kind], control, panel, report }));
