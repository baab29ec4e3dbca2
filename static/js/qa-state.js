// Keeping a Q&A session's question list current from the server's small updates.

export function applyQuestion(list, question) {
  const index = list.findIndex((q) => q.id === question.id);
  if (index >= 0) list[index] = { ...list[index], ...question };
  else list.push(question);
  return list;
}

export function removeQuestion(list, id) {
  const index = list.findIndex((q) => q.id === id);
  if (index >= 0) list.splice(index, 1);
  return list;
}

export function applyVotes(list, votes) {
  for (const q of list) {
    if (votes[q.id] !== undefined) q.votes = votes[q.id];
  }
  return list;
}

export function byVotes(a, b) {
  return b.votes - a.votes || a.created_at - b.created_at;
}

export function byOrder(a, b) {
  return a.position - b.position;
}

// The live activity's list, kept in step by every screen the same way.
export function qaHandlers(getActivity, rerender) {
  const list = () => ['qa', 'reflection', 'ideas'].includes(getActivity()?.kind) && getActivity().questions;
  return {
    'qa:question': (q) => { if (list()) { applyQuestion(list(), q); rerender(); } },
    'qa:removed': ({ id }) => { if (list()) { removeQuestion(list(), id); rerender(); } },
    'qa:votes': ({ activity_id: id, votes }) => {
      if (list() && getActivity().id === id) { applyVotes(list(), votes); rerender(); }
    },
  };
}
