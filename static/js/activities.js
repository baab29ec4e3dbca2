// One renderer per activity kind, shared by phone, projector, panel and control.
import { h, svg } from './dom.js';
import { phaseAt } from './clock.js';
import { barChart, histogram, wordCloud } from './charts.js';

function paragraphs(text) {
  return text ? h('div', { class: 'message-body' },
    text.split(/\n{2,}/).map((para) => h('p', {}, para))) : null;
}

const ROUND_WORDS = {
  groups: (r) => (r.size === 2 ? 'Pairs' : `Groups of ${r.size}`),
  merge: (r) => `Pairs join up into groups of ${r.size}`,
  solo: () => 'On your own',
  all: () => 'The whole room',
};

export function roundLabel(round) {
  return (ROUND_WORDS[round.kind] || (() => ''))(round);
}

export function timer(deadlineSeconds, label = 'Time left') {
  return h('p', { class: 'timer' }, h('span', { class: 'visually-hidden' }, `${label}: `),
    h('span', { class: 'timer-value', 'data-deadline': Math.round(deadlineSeconds * 1000), role: 'timer' }, ''));
}

// Troika: the phase under way, refreshed by the clock.
export function phaseLine(round) {
  const el = h('p', { class: 'phase', 'aria-live': 'polite' });
  el.update = (now) => {
    const phase = phaseAt(round, now);
    if (!phase) return;
    const text = `Turn ${phase.turn + 1} of ${round.turns}: ${phase.label}`;
    if (el.dataset.text !== text) {
      el.dataset.text = text;
      el.replaceChildren(h('span', {}, text), ' ',
        h('span', { class: 'timer-value small', 'data-deadline': Math.round(phase.endsAt) }));
    }
  };
  el.classList.add('ticking');
  return el;
}

export function connectionMap(summary) {
  const nodes = summary.nodes;
  const size = 1000;
  const centre = size / 2;
  const radius = size / 2 - 60;
  const place = new Map(nodes.map((n, i) => {
    const angle = (2 * Math.PI * i) / Math.max(nodes.length, 1) - Math.PI / 2;
    return [n.name, { x: centre + radius * Math.cos(angle), y: centre + radius * Math.sin(angle), angle }];
  }));
  const most = Math.max(1, ...summary.links.map((l) => l.meetings));
  const biggest = Math.max(1, ...nodes.map((n) => n.people));
  const links = summary.links.filter((l) => place.has(l.a) && place.has(l.b)).map((l) => {
    const a = place.get(l.a);
    const b = place.get(l.b);
    return svg('line', {
      x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'map-link',
      'stroke-width': 1.5 + (10 * l.meetings) / most,
    }, svg('title', {}, `${l.a} – ${l.b}: ${l.meetings}`));
  });
  const dots = nodes.map((n) => {
    const p = place.get(n.name);
    const r = 8 + 22 * Math.sqrt(n.people / biggest);
    const right = Math.cos(p.angle) >= 0;
    const label = n.name.length > 30 ? `${n.name.slice(0, 28)}…` : n.name;
    return svg('g', { class: 'map-node' },
      svg('circle', { cx: p.x, cy: p.y, r }),
      svg('text', {
        x: p.x + (right ? r + 8 : -r - 8), y: p.y + 7,
        'text-anchor': right ? 'start' : 'end',
      }, label),
      svg('title', {}, `${n.name}: ${n.people}`));
  });
  return svg('svg', { viewBox: `-420 -20 ${size + 840} ${size + 40}`, class: 'connection-map', role: 'img',
    'aria-label': `Connection map: ${nodes.length} organisations, ${summary.links.length} links between them` },
  ...links, ...dots);
}

function connectSummary(summary) {
  return h('div', { class: 'connect-summary' },
    h('ul', { class: 'headline' },
      h('li', {}, h('strong', {}, summary.new_connections), ' new connections'),
      h('li', {}, h('strong', {}, summary.organisations_connected), ' organisations connected'),
      h('li', {}, h('strong', {}, summary.cross_organisation), ' meetings across organisations')),
    summary.nodes.length ? connectionMap(summary) : null);
}

function connect(activity) {
  if (activity.summary) {
    return [h('h2', { class: 'activity-title' }, activity.title), connectSummary(activity.summary)];
  }
  const round = activity.round;
  if (!round) {
    const next = activity.next;
    return [h('h2', { class: 'activity-title' }, activity.title),
      h('p', { class: 'round-label' }, `${activity.total_rounds} round${activity.total_rounds === 1 ? '' : 's'}`,
        next ? ` · first: ${roundLabel(next).toLowerCase()}` : ''),
      h('p', { class: 'muted' }, 'Starting soon.')];
  }
  return [
    h('p', { class: 'round-label' }, `Round ${round.number} of ${activity.total_rounds} · ${roundLabel(round)}`),
    h('h2', { class: 'activity-title prompt' }, round.prompt),
    round.running && round.phases.length ? phaseLine(round) : null,
    round.running ? timer(round.ends_at) : h('p', { class: 'round-over' }, 'Time is up'),
  ];
}

function qa(activity) {
  const questions = [...activity.questions];
  const now = questions.find((q) => q.status === 'answering');
  const waiting = questions.filter((q) => q.status === 'published')
    .sort((a, b) => b.votes - a.votes || a.created_at - b.created_at).slice(0, 5);
  const asker = (q) => (q.asker ? [q.asker, q.organisation].filter(Boolean).join(', ') : 'Anonymous');
  return [
    h('h2', { class: 'activity-title' }, activity.title),
    now ? h('section', { class: 'answering-now' },
      h('p', { class: 'round-label' }, 'Answering now'),
      h('p', { class: 'question-text' }, now.text),
      h('p', { class: 'asker' }, asker(now))) : null,
    waiting.length ? h('ol', { class: 'top-questions' }, waiting.map((q) => h('li', {},
      h('span', { class: 'votes', 'aria-label': `${q.votes} votes` }, `▲ ${q.votes}`),
      h('span', { class: 'question-text' }, q.text)))) : null,
    !now && !waiting.length ? h('p', { class: 'muted' }, 'Ask your questions on your phone.') : null,
    activity.counts ? h('p', { class: 'qa-counts' },
      `${activity.counts.received} received · ${activity.counts.published} published · `
      + `${activity.counts.held} held · ${activity.counts.answered} answered`) : null,
  ];
}

function promptStatus(activity) {
  if (!activity.open) return h('p', { class: 'times-up' }, "Time's up");
  if (activity.deadline) return timer(activity.deadline);
  if (activity.paused_remaining) {
    return h('p', { class: 'timer paused' }, h('span', { class: 'timer-value' },
      `${Math.floor(activity.paused_remaining / 60)}:${String(Math.round(activity.paused_remaining % 60)).padStart(2, '0')}`),
    ' paused');
  }
  return null;
}

// The chart for a prompt's results; also used by the event report.
export function promptResults(kind, activity, results) {
  if (!results) return null;
  const total = h('p', { class: 'respondents' }, `${results.total} ${results.total === 1 ? 'answer' : 'answers'}`);
  if (kind === 'poll') {
    const labels = [...activity.options];
    const counts = [...results.counts];
    if (activity.other && results.other_count) { labels.push('Other'); counts.push(results.other_count); }
    return h('div', { class: 'results' }, barChart(labels, counts, results.total), total,
      results.other?.length ? h('ul', { class: 'other-answers' }, results.other.slice(-8).map((o) => h('li', {}, o))) : null);
  }
  if (kind === 'wordcloud') {
    return h('div', { class: 'results' }, results.words.length ? wordCloud(results.words) : h('p', { class: 'muted' }, 'No words yet.'), total);
  }
  if (kind === 'scale') {
    return h('div', { class: 'results' }, histogram(results.counts, activity.low_label, activity.high_label),
      h('p', { class: 'respondents' }, results.mean === null ? 'No answers yet.' : `Average ${results.mean} from ${results.total} ${results.total === 1 ? 'answer' : 'answers'}`));
  }
  if (kind === 'ready') {
    const of = Math.max(results.of ?? results.total, results.ready);
    const bar = h('span', { class: 'bar-fill' });
    bar.style.width = `${of ? (100 * results.ready) / of : 0}%`;
    return h('div', { class: 'results ready-results' }, h('p', { class: 'ready-count' }, h('strong', {}, results.ready), ` of ${of} ready`),
      h('span', { class: 'bar-track' }, bar));
  }
  return null;
}

function prompt(activity) {
  return [
    h('h2', { class: 'activity-title' }, activity.title),
    activity.kind === 'scale' && (activity.low_label || activity.high_label)
      ? h('p', { class: 'muted' }, `1 = ${activity.low_label || ''} · ${activity.high} = ${activity.high_label || ''}`) : null,
    promptStatus(activity),
    activity.kind === 'poll' && !activity.results ? h('ol', { class: 'option-list' }, activity.options.map((o) => h('li', {}, o))) : null,
    promptResults(activity.kind, activity, activity.results),
  ];
}

function wall(activity) {
  const posts = activity.questions.filter((q) => q.status !== 'answered');
  return [
    h('h2', { class: 'activity-title' }, activity.title),
    posts.length ? h('ul', { class: 'wall' }, posts.slice(-40).reverse().map((q) => h('li', { class: 'wall-card' },
      h('p', { class: 'question-text' }, q.text), q.asker ? h('p', { class: 'asker' }, q.asker) : null)))
      : h('p', { class: 'muted' }, 'Share yours on your phone.'),
  ];
}

function ideas(activity) {
  const top = [...activity.questions].sort((a, b) => b.votes - a.votes || a.created_at - b.created_at).slice(0, 8);
  return [
    h('h2', { class: 'activity-title' }, activity.title),
    top.length ? h('ol', { class: 'top-questions' }, top.map((q) => h('li', {},
      h('span', { class: 'votes', 'aria-label': `${q.votes} votes` }, `▲ ${q.votes}`),
      h('span', { class: 'question-text' }, q.text)))) : h('p', { class: 'muted' }, 'Post your ideas on your phone.'),
  ];
}

const RENDERERS = {
  message: (activity) => [h('h2', { class: 'activity-title' }, activity.title), paragraphs(activity.body)],
  connect,
  qa,
  reflection: wall,
  ideas,
  poll: prompt,
  wordcloud: prompt,
  scale: prompt,
  ready: prompt,
};

export function renderActivity(activity) {
  if (!activity) return null;
  const render = RENDERERS[activity.kind];
  return h('article', { class: `activity activity-${activity.kind}`, 'data-activity-id': activity.id },
    render ? render(activity) : h('h2', { class: 'activity-title' }, activity.title));
}

// Keep phase lines and the like current; call from the clock.
export function refreshTicking(root, now) {
  root.querySelectorAll('.ticking').forEach((el) => el.update?.(now));
}

export const KIND_LABELS = {
  message: 'Message', connect: 'Connect', qa: 'Q&A', reflection: 'Reflection', ideas: 'Ideas',
  poll: 'Poll', wordcloud: 'Word cloud', scale: 'Scale', ready: 'Ready check',
};

export const POST_KINDS = ['qa', 'reflection', 'ideas'];
export const PROMPT_KINDS = ['poll', 'wordcloud', 'scale', 'ready'];
