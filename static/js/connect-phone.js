// The phone's Connect view: the group card, its actions, and the people met.
import { h } from './dom.js';
import { phaseLine, roundLabel, timer } from './activities.js';

// Taps name the activity and round of the card, so one that arrives late is refused
// rather than counted in the next round.
const about = (activity) => ({ activity_id: activity.id, round: activity.round.number });

function member(m, act, activity) {
  const { round } = activity;
  return h('li', { class: 'member' },
    h('span', { class: 'member-name' }, m.name || 'Someone', m.found ? h('span', { class: 'tick', 'aria-label': 'has found the group' }, ' ✓') : null),
    h('span', { class: 'muted' }, [m.organisation, m.role].filter(Boolean).join(' · ')),
    round.running ? (m.known
      ? h('span', { class: 'known' }, 'You already knew each other')
      : h('button', { type: 'button', class: 'link small', onclick: () => act('connect:know', { ...about(activity), delegate_id: m.id }) },
        'We already know each other')) : null);
}

function troikaRole(group, round, now) {
  if (!round.phases.length || !round.running) return null;
  const el = h('p', { class: 'troika-role ticking' });
  el.update = (t) => {
    const elapsed = t / 1000 - round.started_at;
    const turnSeconds = round.phases.reduce((s, p) => s + p.seconds, 0);
    const turn = Math.min(round.turns - 1, Math.floor(elapsed / turnSeconds));
    const client = turn === group.position;
    const text = client ? 'You are the client this turn' : 'You are a consultant this turn';
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('client', client);
  };
  el.update(now);
  return el;
}

function groupCard(activity, mine, act, notice, now) {
  const round = activity.round;
  const group = mine.group;
  const pair = group.members.length === 1;
  return h('section', { class: 'card-connect', 'aria-label': 'Your group' },
    h('p', { class: 'meet-at' }, h('span', { class: 'muted' }, 'Meet at'), h('strong', {}, group.meeting_point)),
    h('h3', {}, pair ? 'Your partner' : `Your group (${group.members.length + 1} with you)`),
    h('ul', { class: 'members' }, group.members.map((m) => member(m, act, activity))),
    troikaRole(group, round, now),
    h('p', { class: 'prompt-small' }, round.prompt),
    round.running ? (group.found
      ? h('p', { class: 'found-banner' }, pair ? "You've found each other ✓" : "You're with your group ✓")
      : h('div', { class: 'stack' },
        h('button', { type: 'button', class: 'big', onclick: () => act('connect:found', about(activity)) },
          pair ? "We've found each other" : "I've found my group"),
        group.cant_find
          ? h('p', { class: 'notice' }, notice || "We'll regroup you shortly if they haven't turned up.")
          : h('button', { type: 'button', class: 'secondary big', onclick: () => act('connect:cant_find', about(activity)) }, "I can't find them")))
      : null);
}

function metList(mine, act) {
  const met = mine.met || [];
  const form = h('form', { class: 'stack contact-form' },
    h('label', { for: 'contact' }, 'Share your email or phone with the people you met'),
    h('input', { id: 'contact', name: 'contact', maxlength: 120, value: mine.my_contact || '', autocomplete: 'email' }),
    h('p', { class: 'hint' }, 'Only people who share theirs too will see yours.'),
    h('div', { class: 'button-row' },
      h('button', { type: 'submit' }, mine.my_contact ? 'Update' : 'Share'),
      mine.my_contact ? h('button', { type: 'button', class: 'secondary', onclick: () => act('connect:contact', { contact: '' }) }, 'Stop sharing') : null));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act('connect:contact', { contact: form.contact.value });
  });
  return h('section', { class: 'met' },
    h('h2', {}, met.length ? `You met ${met.length} ${met.length === 1 ? 'person' : 'people'}` : 'People you met'),
    met.length ? h('ul', { class: 'members' }, met.map((m) => h('li', { class: 'member' },
      h('span', { class: 'member-name' }, m.name),
      h('span', { class: 'muted' }, [m.organisation, m.role].filter(Boolean).join(' · ')),
      m.contact ? h('span', { class: 'contact' }, m.contact) : null)))
      : h('p', { class: 'muted' }, 'Meetings count once you tap “found” on your card.'),
    met.length ? form : null);
}

export function renderConnect(activity, mine, act, notice, now) {
  mine = mine || { sitting_out: false, group: null };
  const round = activity.round;
  const parts = [];
  if (activity.summary) {
    return [h('h2', { class: 'activity-title' }, activity.title), metList(mine, act)];
  }
  if (!round) {
    parts.push(h('h2', { class: 'activity-title' }, activity.title),
      h('p', {}, 'Get ready to meet new people. Your card appears here when the first round starts.'));
  } else {
    parts.push(h('p', { class: 'round-label' }, `Round ${round.number} of ${activity.total_rounds} · ${roundLabel(round)}`));
    if (round.running) parts.push(timer(round.ends_at));
    if (round.running && round.phases.length) {
      const line = phaseLine(round);
      line.update(now);
      parts.push(line);
    }
    if (mine.group && mine.group.round === round.number) {
      parts.push(groupCard(activity, mine, act, notice, now));
    } else if (round.kind === 'solo' || round.kind === 'all') {
      parts.push(h('h2', { class: 'activity-title prompt' }, round.prompt));
    } else if (!mine.sitting_out && round.running) {
      parts.push(h('p', { class: 'notice' }, "You're not in a group this round: you'll be in the next one."));
    }
    if (!round.running) {
      parts.push(h('p', { class: 'round-over' }, 'Time is up: thank your group!'),
        activity.next ? h('p', { class: 'muted' }, 'The next round starts soon.') : null);
    }
  }
  parts.push(mine.sitting_out
    ? h('div', { class: 'sitting-out' }, h('p', {}, "You're sitting the rounds out."),
      h('button', { type: 'button', onclick: () => act('connect:sit_out', { sitting_out: false }) }, "I'm back"))
    : h('p', { class: 'leave' }, h('button', { type: 'button', class: 'link', onclick: () => act('connect:sit_out', { sitting_out: true }) },
      "I'm sitting this one out")));
  return parts;
}
