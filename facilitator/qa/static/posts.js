// What the Q&A family's renderers share: how posts are ordered and named.

// Most votes first; of equal votes, the earlier asked.
export function byVotes(a, b) {
  return b.votes - a.votes || a.created_at - b.created_at || a.id - b.id;
}

export function byNewest(a, b) {
  return b.created_at - a.created_at || b.id - a.id;
}

export function byOldest(a, b) {
  return a.created_at - b.created_at || a.id - b.id;
}

// The moderators' own order ("Move up", "Move down").
export function byOrder(a, b) {
  return a.position - b.position || a.id - b.id;
}

// The posts of a view in these states, in this order.
export function postsIn(activity, statuses, order) {
  return (activity.questions || []).filter((q) => statuses.includes(q.status)).sort(order);
}

// What phones and the projector show; a control screen's preview is drawn from
// the moderators' view, which holds every open post.
export const SHOWN = ['published', 'answering', 'answered'];

export function answeringNow(activity) {
  return (activity.questions || []).find((q) => q.status === 'answering') || null;
}

// "Name, Organisation" (or the separator given); "Anonymous" for a post without a name.
export function askerOf(q, separator = ', ') {
  return q.asker ? [q.asker, q.organisation].filter(Boolean).join(separator) : 'Anonymous';
}

export function countsLine(c) {
  return `${c.received} received · ${c.published} published · ${c.held} held · ${c.answered} answered`;
}

// What each kind calls its posts, on every screen.
export const WORDS = {
  qa: {
    field: 'Your question', send: 'Send question', mine: 'Your questions', list: 'Questions',
    none: 'No published questions yet.', screen: 'Ask your questions on your phone.',
    anonymous: 'Questions are anonymous.', named: 'Your name is shown with your question.',
    unnamed: 'Ask anonymously',
  },
  reflection: {
    field: 'Your reflection', send: 'Share', mine: 'Your reflections', list: 'Reflections',
    none: 'Nothing shared yet.', screen: 'Share yours on your phone.',
    anonymous: 'Reflections are anonymous.', named: 'Your name is shown with your reflection.',
    unnamed: 'Share anonymously',
  },
  ideas: {
    field: 'Your idea', send: 'Post idea', mine: 'Your ideas', list: 'Ideas',
    none: 'No ideas yet.', screen: 'Post your ideas on your phone.',
    anonymous: 'Ideas are anonymous.', named: 'Your name is shown with your idea.',
    unnamed: 'Post anonymously',
  },
};

// One renderer set for every kind of the family: make(kind) -> {role: renderer}.
export function forEachKind(make) {
  return Object.fromEntries(Object.keys(WORDS).map((kind) => [kind, make(kind)]));
}
