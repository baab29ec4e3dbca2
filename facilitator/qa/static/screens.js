// The Q&A family on the projector, the control screen, the panel and the report.
// Moderators (control screen and panel) approve, edit, dismiss, restore, answer,
// star, label, order, merge and silence posts, and change the session's settings;
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
    ${waiting.length ? topList(waiting, activity.settings.voting) : null}
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
    ${top.length ? topList(top, activity.settings.voting) : html`<p class="muted">${WORDS.ideas.screen}</p>`}
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

function card(ui, activity, ctx, q, actions) {
  return html`<li class="qa-card ${q.status}" data-question-id=${q.id}>
    <p class="question-text">${q.text}</p>
    ${q.original_text ? html`<p class="muted small-text">Originally: ${q.original_text}</p>` : null}
    ${q.held ? html`<p class="chip held">${HELD[q.held] || 'Held'}</p>` : null}
    ${askerLine(q)}
    ${ui.editing === q.id ? editor(ui, activity, ctx, q) : html`<div class="button-row">${actions}</div>`}
  </li>`;
}

const cards = (list, draw) => html`<ul class="qa-cards">${repeat(list, (q) => q.id, draw)}</ul>`;

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
// would otherwise draw every published post into every card.
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

function settingsColumn(ui, activity, ctx) {
  const s = activity.settings;
  const words = activity.words || [];
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
  const archive = () => {
    if (!window.confirm('Archive every post of this session? Phones and the projector will show none.')) return;
    request(ui, ctx, 'qa:archive', { activity_id: activity.id });
  };
  return html`<section class="qa-column qa-settings">
    <h2>Settings</h2>
    ${check('auto_publish', 'Publish without review')}
    ${check('profanity_filter', 'Hold posts with strong language')}
    ${check('show_counts', 'Show counts on the projector')}
    <details>
      <summary>Held words (${words.length})</summary>
      <p class="hint held-words">${words.length ? `Held now: ${words.join(', ')}` : 'No words are held.'}</p>
      <textarea rows="4" aria-label="Held words, one per line" .value=${live(ui.words ?? words.join('\n'))}
        @input=${(e) => { ui.words = e.target.value; }}></textarea>
      <div class="button-row">${button('Save words', saveWords, 'small')}</div>
    </details>
    <div class="button-row">${button('Archive all posts', archive, 'danger small')}</div>
  </section>`;
}

function moderate(ui, activity, ctx) {
  const pending = postsIn(activity, ['pending'], byOldest);
  const published = postsIn(activity, ['published', 'answering'], ui.sort === 'votes' ? byVotes : byOrder);
  const done = postsIn(activity, ['answered', 'dismissed'], byNewest);
  const run = (q, action, extra) => () => act(ui, activity, ctx, q, action, extra);
  const edit = (q) => editButton(ui, ctx, q);
  const ordered = ui.sort === 'order';
  return html`<div class="qa-moderation">
    <section class="qa-column">
      <h2>Incoming (${pending.length})</h2>
      ${pending.length ? cards(pending, (q) => card(ui, activity, ctx, q, html`
        ${button('Approve', run(q, 'approve'), 'small')}
        ${edit(q)}
        ${button('Dismiss', run(q, 'dismiss'))}
        ${mergeSelect(ui, activity, ctx, q, published)}
        ${silenceButton(ui, activity, ctx, q)}`)) : html`<p class="muted">Nothing waiting.</p>`}
    </section>
    <section class="qa-column">
      <div class="qa-toolbar"><h2>Published (${published.length})</h2>${orderSelect(ui, ctx)}</div>
      ${published.length ? cards(published, (q) => card(ui, activity, ctx, q, html`
        ${q.status === 'answering' ? button('Mark answered', run(q, 'answered'), 'small')
          : button('Answer now', run(q, 'answering'), 'small')}
        ${button(q.starred ? '☆ Unstar' : '★ Star', run(q, 'star', { starred: !q.starred }))}
        ${ordered && q.status === 'published' ? html`
          ${button('↑', run(q, 'move', { direction: 'up' }), 'secondary small', 'Move up')}
          ${button('↓', run(q, 'move', { direction: 'down' }), 'secondary small', 'Move down')}` : null}
        ${edit(q)}
        ${labelSelect(ui, activity, ctx, q)}
        ${q.status === 'published' ? mergeSelect(ui, activity, ctx, q, published) : null}
        ${button('Dismiss', run(q, 'dismiss'))}`)) : html`<p class="muted">${WORDS[activity.kind].none}</p>`}
      ${done.length ? html`<details>
        <summary>Answered and dismissed (${done.length})</summary>
        ${cards(done, (q) => card(ui, activity, ctx, q, html`
          ${button('Restore', run(q, 'restore'))}
          ${q.status === 'answered' ? edit(q) : null}`))}
      </details>` : null}
    </section>
    ${settingsColumn(ui, activity, ctx)}
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
