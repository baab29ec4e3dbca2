// The phone's prompts: answer a poll, word cloud, scale or ready check; change the
// answer until time is up; see the results once revealed. An answer made offline is
// kept and sent on reconnection, under the same id, so it counts once.
import { h, replace } from './dom.js';
import { promptResults, timer } from './activities.js';

function newId() {
  // Random, never the time: an id must not tell which posts came from one phone.
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function createPromptPhone({ live, code, notify }) {
  const pendingKey = `workshop:${code}:prompt-pending`;
  const state = { activity: null, answer: null, root: null, note: '' };

  const pending = {
    read() { try { return JSON.parse(localStorage.getItem(pendingKey)); } catch { return null; } },
    write(item) { try { localStorage.setItem(pendingKey, JSON.stringify(item)); } catch { /* private mode */ } },
  };

  async function send(item) {
    const answer = await live.request('prompt:answer', item);
    if (answer.ok || !['offline', 'timeout'].includes(answer.error)) pending.write(null);
    return answer;
  }

  async function submit(value) {
    const item = { ...value, client_id: newId(), activity_id: state.activity.id };
    pending.write(item);
    const answer = await send(item);
    if (answer.ok) {
      state.answer = answer.answer;
      state.note = 'Your answer is in. You can change it until time is up.';
    } else if (['offline', 'timeout'].includes(answer.error)) {
      state.note = 'Saved on this phone: it will be sent when the connection is back.';
    } else {
      state.note = answer.message;
    }
    update();
  }

  // After every (re)connect. The server keeps the answer if its prompt is still open,
  // confirms it if it had arrived before, or says why not: the phone shows which.
  function resend() {
    const item = pending.read();
    if (!item) return;
    send(item).then((answer) => {
      const here = state.activity?.id === item.activity_id;
      if (answer.ok && here) {
        state.answer = answer.answer;
        state.note = 'Your answer is in. You can change it until time is up.';
      } else if (!answer.ok && !['offline', 'timeout'].includes(answer.error)) {
        state.note = `Not sent: ${answer.message}`;
        // That prompt is no longer on screen: say so where the phone can see it.
        if (!here) notify?.(`Your answer from while you were offline was not counted: ${answer.message}`);
      }
      update();
    });
  }

  function pollForm(a) {
    const type = a.multiple ? 'checkbox' : 'radio';
    const form = h('form', { class: 'stack prompt-form' },
      h('fieldset', {}, h('legend', { class: 'visually-hidden' }, a.title),
        a.options.map((option, i) => h('label', { class: 'option' },
          h('input', { type, name: 'choice', value: i }), h('span', {}, option)))),
      a.other ? [h('label', { for: 'other' }, 'Other'), h('input', { id: 'other', name: 'other', maxlength: 120 })] : null,
      h('button', { type: 'submit', class: 'big' }, 'Send'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const choices = [...form.querySelectorAll('input[name=choice]:checked')].map((i) => Number(i.value));
      submit({ choices, other: form.other?.value || '' });
    });
    return form;
  }

  function cloudForm(a) {
    const form = h('form', { class: 'stack prompt-form' },
      Array.from({ length: a.entries }, (_, i) => [
        h('label', { for: `entry-${i}` }, a.entries > 1 ? `Word or phrase ${i + 1}` : 'A word or short phrase'),
        h('input', { id: `entry-${i}`, name: 'entry', maxlength: 40, autocomplete: 'off' })]),
      h('button', { type: 'submit', class: 'big' }, 'Send'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit({ entries: [...form.querySelectorAll('input[name=entry]')].map((i) => i.value.trim()).filter(Boolean) });
    });
    return form;
  }

  function scaleForm(a) {
    return h('div', { class: 'prompt-form' },
      h('div', { class: 'scale-buttons', role: 'group', 'aria-label': a.title },
        Array.from({ length: a.high }, (_, i) => h('button', {
          type: 'button', class: 'scale-button secondary', 'data-value': i + 1,
          onclick: () => submit({ value: i + 1 }),
        }, i + 1))),
      h('p', { class: 'scale-ends' }, h('span', {}, `1 ${a.low_label || ''}`), h('span', {}, `${a.high} ${a.high_label || ''}`)));
  }

  function readyForm(a) {
    return h('div', { class: 'prompt-form' }, h('button', {
      type: 'button', class: 'big ready-button', onclick: () => submit({ ready: !state.answer?.ready }),
    }, a.button));
  }

  const FORMS = { poll: pollForm, wordcloud: cloudForm, scale: scaleForm, ready: readyForm };

  function mount(area) {
    const a = state.activity;
    state.root = h('div', { class: 'prompt-phone', 'data-activity-id': a.id },
      h('h2', { class: 'activity-title' }, a.title),
      h('div', { class: 'prompt-status' }),
      FORMS[a.kind](a),
      h('p', { class: 'prompt-note', role: 'status', 'aria-live': 'polite' }),
      h('div', { class: 'prompt-results' }));
    replace(area, state.root);
    showAnswer();
  }

  // Mark the current answer in the form, so a changed mind starts from it.
  function showAnswer() {
    const { root, answer, activity } = state;
    if (!root || !answer) return;
    if (activity.kind === 'poll') {
      root.querySelectorAll('input[name=choice]').forEach((i) => { i.checked = answer.choices.includes(Number(i.value)); });
      if (root.querySelector('#other')) root.querySelector('#other').value = answer.other || '';
    } else if (activity.kind === 'wordcloud') {
      root.querySelectorAll('input[name=entry]').forEach((i, n) => { i.value = answer.entries[n] || ''; });
    } else if (activity.kind === 'scale') {
      root.querySelectorAll('.scale-button').forEach((b) => {
        const on = Number(b.dataset.value) === answer.value;
        b.classList.toggle('secondary', !on);
        b.setAttribute('aria-pressed', String(on));
      });
    } else if (activity.kind === 'ready') {
      const button = root.querySelector('.ready-button');
      button.classList.toggle('secondary', Boolean(answer.ready));
      button.textContent = answer.ready ? '✓ Ready (tap to undo)' : activity.button;
    }
  }

  function update() {
    const { root, activity } = state;
    if (!root) return;
    replace(root.querySelector('.prompt-status'), !activity.open ? h('p', { class: 'times-up' }, "Time's up")
      : activity.deadline ? timer(activity.deadline) : null);
    root.querySelectorAll('.prompt-form input, .prompt-form button').forEach((el) => { el.disabled = !activity.open; });
    root.querySelector('.prompt-note').textContent = state.note;
    replace(root.querySelector('.prompt-results'), activity.results
      ? [h('h3', {}, 'Results'), promptResults(activity.kind, activity, activity.results)] : null);
    showAnswer();
  }

  return {
    resend,
    render(area, activity, mine) {
      const changed = state.activity?.id !== activity.id;
      state.activity = activity;
      if (changed) state.answer = null;
      if (mine && 'answer' in mine) state.answer = mine.answer;
      if (changed) state.note = '';
      if (changed || !state.root || !area.contains(state.root)) mount(area);
      update();
    },
  };
}
