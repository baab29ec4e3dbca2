// The panel screen's Q&A: moderators curate, panellists read. Also used on the control screen.
import { h, replace } from './dom.js';
import { applyQuestion, applyVotes, byOrder, byVotes, removeQuestion } from './qa-state.js';

const HELD = { language: 'Held: strong language', silenced: 'Held: asker silenced' };

export function createQaPanel({ live, root }) {
  const state = { qa: null, mode: 'moderate', sort: 'votes', label: '', editing: null, note: '' };

  async function act(question, action, extra = {}) {
    const answer = await live.request('qa:moderate', {
      activity_id: state.qa.activity_id, question_id: question.id, action, version: question.version, ...extra,
    });
    state.note = answer.ok ? '' : answer.message;
    if (answer.ok) answer.questions.forEach((q) => applyQuestion(state.qa.questions, q));
    if (!answer.ok && answer.error === 'conflict') await open(state.qa.activity_id);
    state.editing = null;
    render();
  }

  async function open(activityId) {
    const answer = await live.request('qa:open', { activity_id: activityId });
    if (answer.ok) { state.qa = answer.qa; render(); }
  }

  async function settings(change) {
    const answer = await live.request('qa:settings', { activity_id: state.qa.activity_id, ...change });
    state.note = answer.ok ? '' : answer.message;
    if (answer.ok) state.qa = answer.qa;
    render();
  }

  function askerLine(q) {
    return h('p', { class: 'asker muted' }, q.asker ? [q.asker, q.organisation].filter(Boolean).join(' · ') : 'Anonymous',
      ` · ▲ ${q.votes}`, q.label ? h('span', { class: 'chip' }, q.label) : null,
      q.starred ? h('span', { class: 'chip star' }, '★ starred') : null,
      q.silenced ? h('span', { class: 'chip held' }, 'asker silenced') : null);
  }

  function button(label, onclick, cls = 'secondary small') {
    return h('button', { type: 'button', class: cls, onclick }, label);
  }

  function editor(q, action) {
    const box = h('textarea', { rows: 3, 'aria-label': 'Edit the question' }, q.text);
    return h('div', { class: 'stack' }, box, h('div', { class: 'button-row' },
      button(action === 'approve' ? 'Save and approve' : 'Save', () => act(q, action, { text: box.value }), 'small'),
      button('Cancel', () => { state.editing = null; render(); })));
  }

  function card(q, actions) {
    return h('li', { class: `qa-card ${q.status}`, 'data-question-id': q.id },
      h('p', { class: 'question-text' }, q.text),
      q.original_text ? h('p', { class: 'muted small-text' }, `Originally: ${q.original_text}`) : null,
      q.held ? h('p', { class: 'chip held' }, HELD[q.held] || 'Held') : null,
      askerLine(q),
      state.editing === q.id ? editor(q, q.status === 'pending' ? 'approve' : 'edit')
        : h('div', { class: 'button-row' }, actions));
  }

  function labelSelect(q) {
    const labels = state.qa.settings.labels;
    if (!labels.length) return null;
    const select = h('select', { 'aria-label': 'Label', class: 'small-select' },
      h('option', { value: '' }, 'No label'), labels.map((l) => h('option', { value: l, selected: q.label === l }, l)));
    select.addEventListener('change', () => act(q, 'label', { label: select.value }));
    return select;
  }

  function mergeSelect(q, targets) {
    const others = targets.filter((t) => t.id !== q.id);
    if (!others.length) return null;
    const select = h('select', { 'aria-label': 'Merge into', class: 'small-select' },
      h('option', { value: '' }, 'Merge into…'),
      others.map((t) => h('option', { value: t.id }, t.text.length > 60 ? `${t.text.slice(0, 58)}…` : t.text)));
    select.addEventListener('change', () => { if (select.value) act(q, 'merge', { into: Number(select.value) }); });
    return select;
  }

  function moderation() {
    const qs = state.qa.questions;
    const pending = qs.filter((q) => q.status === 'pending').sort((a, b) => a.created_at - b.created_at);
    const visible = qs.filter((q) => ['published', 'answering'].includes(q.status));
    const published = visible.sort(state.sort === 'votes' ? byVotes : byOrder);
    const done = qs.filter((q) => ['answered', 'dismissed'].includes(q.status));
    const s = state.qa.settings;
    const words = h('textarea', { rows: 3, 'aria-label': 'Held words, one per line' }, state.qa.words.join('\n'));
    const silence = (q) => button(q.silenced ? 'Let asker speak' : 'Silence asker',
      async () => {
        const answer = await live.request('qa:silence', { activity_id: state.qa.activity_id, question_id: q.id, silenced: !q.silenced });
        state.note = answer.ok ? '' : answer.message;
        await open(state.qa.activity_id);
      });
    return [
      h('section', { class: 'qa-column' },
        h('h2', {}, `Incoming (${pending.length})`),
        pending.length ? h('ul', { class: 'qa-cards' }, pending.map((q) => card(q, [
          button('Approve', () => act(q, 'approve'), 'small'),
          button('Edit', () => { state.editing = q.id; render(); }),
          button('Dismiss', () => act(q, 'dismiss')),
          mergeSelect(q, published), silence(q)]))) : h('p', { class: 'muted' }, 'Nothing waiting.')),
      h('section', { class: 'qa-column' },
        h('div', { class: 'qa-toolbar' }, h('h2', {}, `Published (${published.length})`),
          sortToggle()),
        published.length ? h('ul', { class: 'qa-cards' }, published.map((q) => card(q, [
          q.status === 'answering' ? button('Mark answered', () => act(q, 'answered'), 'small')
            : button('Answer now', () => act(q, 'answering'), 'small'),
          button(q.starred ? '☆ Unstar' : '★ Star', () => act(q, 'star', { starred: !q.starred })),
          state.sort === 'order' ? button('↑', () => act(q, 'move', { direction: 'up' })) : null,
          state.sort === 'order' ? button('↓', () => act(q, 'move', { direction: 'down' })) : null,
          button('Edit', () => { state.editing = q.id; render(); }),
          labelSelect(q), mergeSelect(q, published),
          button('Dismiss', () => act(q, 'dismiss'))]))) : h('p', { class: 'muted' }, 'No published questions yet.'),
        done.length ? h('details', {}, h('summary', {}, `Answered and dismissed (${done.length})`),
          h('ul', { class: 'qa-cards' }, done.map((q) => card(q, [button('Restore', () => act(q, 'restore'))]))))
          : null),
      h('section', { class: 'qa-column qa-settings' },
        h('h2', {}, 'Settings'),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: s.auto_publish, onchange: (e) => settings({ auto_publish: e.target.checked }) }), 'Publish without review'),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: s.profanity_filter, onchange: (e) => settings({ profanity_filter: e.target.checked }) }), 'Hold questions with strong language'),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: s.show_counts, onchange: (e) => settings({ show_counts: e.target.checked }) }), 'Show counts on the projector'),
        h('details', {}, h('summary', {}, `Held words (${state.qa.words.length})`), words,
          button('Save words', () => settings({ words: words.value.split('\n') }), 'small')),
        button('Archive all questions', async () => {
          if (!window.confirm('Archive every question of this session? Phones and the projector will show none.')) return;
          await live.request('qa:archive', { activity_id: state.qa.activity_id });
          await open(state.qa.activity_id);
        }, 'danger small')),
    ];
  }

  function sortToggle() {
    const select = h('select', { 'aria-label': 'Order', class: 'small-select' },
      h('option', { value: 'votes', selected: state.sort === 'votes' }, 'Most votes'),
      h('option', { value: 'order', selected: state.sort === 'order' }, 'Moderator order'));
    select.addEventListener('change', () => { state.sort = select.value; render(); });
    return select;
  }

  function reading() {
    const qs = state.qa.questions.filter((q) => ['published', 'answering'].includes(q.status))
      .filter((q) => !state.label || q.label === state.label)
      .sort(state.sort === 'votes' ? byVotes : byOrder);
    const now = qs.find((q) => q.status === 'answering');
    const rest = qs.filter((q) => q !== now);
    const labels = state.qa.settings.labels;
    const filter = labels.length ? h('select', { 'aria-label': 'Show questions for', class: 'small-select', onchange: (e) => { state.label = e.target.value; render(); } },
      h('option', { value: '' }, 'All labels'), labels.map((l) => h('option', { value: l, selected: state.label === l }, l))) : null;
    return h('div', { class: 'qa-reading' },
      h('div', { class: 'qa-toolbar' }, sortToggle(), filter),
      now ? h('section', { class: 'answering-now' }, h('p', { class: 'round-label' }, 'Answering now'),
        h('p', { class: 'question-text' }, now.text), askerLine(now)) : null,
      rest.length ? h('section', {}, h('p', { class: 'round-label' }, 'Next up'),
        h('ol', { class: 'reading-list' }, rest.map((q, i) => h('li', { class: i === 0 ? 'next' : '' },
          h('p', { class: 'question-text' }, q.text), askerLine(q)))))
        : h('p', { class: 'muted' }, 'No questions waiting.'));
  }

  function render() {
    if (!state.qa) { replace(root); return; }
    const c = state.qa.counts;
    replace(root,
      h('div', { class: 'qa-head' },
        h('h2', {}, state.qa.title),
        h('p', { class: 'qa-counts' }, `${c.received} received · ${c.published} published · ${c.held} held · ${c.answered} answered`),
        h('div', { class: 'button-row mode' },
          h('button', { type: 'button', class: state.mode === 'moderate' ? '' : 'secondary', 'aria-pressed': String(state.mode === 'moderate'), onclick: () => { state.mode = 'moderate'; render(); } }, 'Moderate'),
          h('button', { type: 'button', class: state.mode === 'read' ? '' : 'secondary', 'aria-pressed': String(state.mode === 'read'), onclick: () => { state.mode = 'read'; render(); } }, 'Panellist view'))),
      state.note ? h('p', { class: 'error', role: 'alert' }, state.note) : null,
      state.mode === 'moderate' ? h('div', { class: 'qa-moderation' }, moderation()) : reading());
  }

  return {
    show(qa) { state.qa = qa; render(); },
    open,
    current: () => state.qa,
    handlers: {
      'qa:moderation': (q) => {
        if (!state.qa || state.editing === q.id) return;
        if (['merged', 'archived'].includes(q.status)) removeQuestion(state.qa.questions, q.id);
        else applyQuestion(state.qa.questions, q);
        render();
      },
      'qa:votes': ({ activity_id: id, votes }) => {
        if (state.qa?.activity_id === id && !state.editing) { applyVotes(state.qa.questions, votes); render(); }
      },
      'qa:session': (qa) => { if (state.qa?.activity_id === qa.activity_id) { state.qa = qa; render(); } },
      progress: (counts) => { if (state.qa && counts?.received !== undefined) { state.qa.counts = counts; render(); } },
    },
  };
}
