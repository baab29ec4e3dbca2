// The phone's Q&A view: ask (kept and resent until the server has it), see your
// questions' progress, and vote.
import { h, replace } from './dom.js';
import { byVotes } from './qa-state.js';

const STATUS = {
  pending: 'Waiting for the moderator',
  published: 'Published',
  answering: 'Being answered now',
  answered: 'Answered',
  dismissed: 'Not published',
  archived: 'Answered',
};

const WORDS = {
  qa: { field: 'Your question', send: 'Send question', mine: 'Your questions', list: 'Questions', none: 'No published questions yet.' },
  reflection: { field: 'Your reflection', send: 'Share', mine: 'Your reflections', list: 'Reflections', none: 'Nothing shared yet.' },
  ideas: { field: 'Your idea', send: 'Post idea', mine: 'Your ideas', list: 'Ideas', none: 'No ideas yet.' },
};

function newId() {
  // Random, never the time: an id must not tell which posts came from one phone.
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function createQaPhone({ live, code, notify }) {
  const outboxKey = `workshop:${code}:qa-outbox`;
  const state = { sort: 'top', activity: null, mine: null, root: null, note: '' };

  const outbox = {
    read() { try { return JSON.parse(localStorage.getItem(outboxKey)) || []; } catch { return []; } },
    write(items) { try { localStorage.setItem(outboxKey, JSON.stringify(items)); } catch { /* private mode */ } },
  };

  const RETRY = ['offline', 'timeout'];

  async function send(item) {
    const answer = await live.request('qa:ask', item);
    if (!RETRY.includes(answer.error) && answer.error !== 'too_soon') {
      outbox.write(outbox.read().filter((i) => i.client_id !== item.client_id));
    }
    return answer;
  }

  // After every (re)connect: what was typed offline goes now, one at a time and under
  // its own id. One the server turns down is put back in the box with its reason.
  let resending = false;
  async function resend() {
    if (resending) return;
    resending = true;
    try {
      for (const item of outbox.read()) {
        let answer = await send(item);
        if (answer.error === 'too_soon') {
          const wait = Number(answer.message.match(/\d+/)?.[0] || 10);
          await new Promise((resolve) => { setTimeout(resolve, wait * 1000 + 200); });
          answer = await send(item);
        }
        if (RETRY.includes(answer.error)) break;
        if (answer.ok) api.mineChanged(answer.question);
        else giveBack(item, answer.message);
      }
    } finally {
      resending = false;
    }
  }

  function giveBack(item, message) {
    outbox.write(outbox.read().filter((i) => i.client_id !== item.client_id));
    state.draft = item.text;
    const box = state.root?.querySelector('#qa-text');
    if (box) box.value = item.text;
    const note = state.root?.isConnected && state.root.querySelector('.qa-note');
    if (note) note.textContent = `Not sent: ${message}`;
    else notify?.(`What you wrote while offline was not sent: ${message} It is back in the box for the next time questions are open.`);
  }

  function mount(area) {
    const settings = state.activity.settings;
    const words = WORDS[state.activity.kind];
    const box = h('textarea', { id: 'qa-text', name: 'text', rows: 3, maxlength: settings.max_length, required: true });
    const counter = h('p', { class: 'hint', id: 'qa-count', 'aria-live': 'polite' });
    const count = () => { counter.textContent = `${settings.max_length - box.value.length} characters left`; };
    box.value = state.draft || '';  // a reconnect redraws the page: keep what was typed
    box.addEventListener('input', () => { state.draft = box.value; count(); });
    count();
    const form = h('form', { class: 'stack qa-ask', novalidate: true },
      h('label', { for: 'qa-text' }, words.field), box, counter,
      settings.name_mode === 'choice'
        ? h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'anonymous' }), 'Ask anonymously')
        : h('p', { class: 'hint' }, settings.name_mode === 'anonymous'
          ? 'Questions are anonymous.' : 'Your name is shown with your question.'),
      h('button', { type: 'submit', class: 'big' }, words.send),
      h('p', { class: 'qa-note', role: 'status', 'aria-live': 'polite' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = box.value.trim();
      const note = form.querySelector('.qa-note');
      if (!text) { note.textContent = 'Type something first.'; box.focus(); return; }
      const item = { client_id: newId(), text, anonymous: Boolean(form.anonymous?.checked) };
      outbox.write([...outbox.read(), item]);
      form.querySelector('button').disabled = true;
      const answer = await send(item);
      form.querySelector('button').disabled = false;
      if (answer.ok) {
        box.value = state.draft = '';
        count();
        note.textContent = answer.question.status === 'pending'
          ? 'Sent: the moderator will review it.' : 'Sent and published.';
        api.mineChanged(answer.question);
        setTimeout(() => { if (note.textContent.startsWith('Sent')) note.textContent = ''; }, 6000);
      } else if (['offline', 'timeout'].includes(answer.error)) {
        box.value = state.draft = '';
        count();
        note.textContent = 'Saved on this phone: it will be sent when the connection is back.';
      } else {
        outbox.write(outbox.read().filter((i) => i.client_id !== item.client_id));
        note.textContent = answer.message;
      }
    });
    state.root = h('div', { class: 'qa-phone', 'data-activity-id': state.activity.id },
      h('h2', { class: 'activity-title' }, state.activity.title), form,
      h('section', { class: 'qa-mine', 'aria-label': 'Your questions' }),
      h('section', { class: 'qa-list', 'aria-label': 'Questions' }));
    replace(area, state.root);
  }

  async function vote(question, up) {
    const answer = await live.request('qa:vote', { question_id: question.id, up });
    if (answer.ok) {
      const voted = new Set(state.mine.voted);
      if (up) voted.add(question.id); else voted.delete(question.id);
      state.mine.voted = [...voted];
      question.votes = answer.votes;
      state.note = '';
    } else {
      state.note = answer.message;
    }
    update();
  }

  function update() {
    const { activity, mine, root } = state;
    if (!root) return;
    const words = WORDS[activity.kind];
    const own = mine?.questions || [];
    const ownIds = new Set(own.map((q) => q.id));
    replace(root.querySelector('.qa-mine'), own.length ? [
      h('h3', {}, words.mine),
      h('ul', { class: 'qa-own' }, own.map((q) => h('li', {},
        h('span', { class: 'question-text' }, q.text),
        h('span', { class: `chip chip-${q.status}` }, q.merged ? 'Merged with a similar question' : STATUS[q.status])))),
    ] : null);
    const voted = new Set(mine?.voted || []);
    const questions = [...activity.questions];
    const now = questions.find((q) => q.status === 'answering');
    const open = questions.filter((q) => q.status === 'published')
      .sort(state.sort === 'top' && activity.settings.voting ? byVotes : (a, b) => b.created_at - a.created_at);
    const answered = questions.filter((q) => q.status === 'answered');
    const item = (q) => {
      const isOwn = ownIds.has(q.id) && !activity.settings.allow_own_vote;
      const up = voted.has(q.id);
      return h('li', { class: `qa-item ${q.status}` },
        h('div', {},
          h('p', { class: 'question-text' }, q.text),
          h('p', { class: 'asker muted' }, q.asker ? [q.asker, q.organisation].filter(Boolean).join(' · ') : 'Anonymous',
            q.label ? h('span', { class: 'chip' }, q.label) : null)),
        !activity.settings.voting ? null
          : q.status === 'answered' ? h('span', { class: 'votes' }, `▲ ${q.votes}`)
          : h('button', {
            type: 'button', class: `vote ${up ? 'voted' : ''}`, 'aria-pressed': up ? 'true' : 'false',
            disabled: isOwn, title: isOwn ? 'Your question' : '',
            'aria-label': `${up ? 'Remove your vote' : 'Vote'}: ${q.votes} votes`,
            onclick: () => vote(q, !up),
          }, `▲ ${q.votes}`));
    };
    const sortButton = (value, label) => h('button', {
      type: 'button', class: `secondary small ${state.sort === value ? 'active' : ''}`,
      'aria-pressed': state.sort === value ? 'true' : 'false',
      onclick: () => { state.sort = value; update(); },
    }, label);
    replace(root.querySelector('.qa-list'),
      now ? h('div', { class: 'answering-now' }, h('p', { class: 'round-label' }, 'Answering now'),
        h('p', { class: 'question-text' }, now.text)) : null,
      h('div', { class: 'qa-toolbar' }, h('h3', {}, `${words.list} (${open.length})`),
        activity.settings.voting ? h('div', { class: 'button-row' }, sortButton('top', 'Top'), sortButton('new', 'Newest')) : null),
      state.note ? h('p', { class: 'error', role: 'alert' }, state.note) : null,
      open.length ? h('ul', { class: 'qa-items' }, open.map(item))
        : h('p', { class: 'muted' }, words.none),
      answered.length ? h('details', {}, h('summary', {}, `Answered (${answered.length})`),
        h('ul', { class: 'qa-items' }, answered.map(item))) : null);
  }

  const api = {
    resend,
    render(area, activity, mine) {
      state.activity = activity;
      state.mine = mine || { questions: [], voted: [] };
      if (!state.root || !area.contains(state.root) || state.root.dataset.activityId !== String(activity.id)) {
        mount(area);
      }
      update();
    },
    mineChanged(question) {
      if (!state.mine) return;
      const list = state.mine.questions;
      const index = list.findIndex((q) => q.id === question.id);
      if (index >= 0) list[index] = question; else list.push(question);
      update();
    },
  };
  return api;
}
