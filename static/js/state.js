// What a screen holds of the live state, kept from the server's events the one
// way every screen (and the tests' clients) apply them:
//   snapshot  everything, on each (re)connect
//   live      the whole live state of this screen's role
//   view      an activity's view again: whole, or with `patch` naming the
//             collections of which it holds only the changed items (by id), and
//             `removed` the ids of those gone
//   mine      this delegate's own view of the live activity
//   workshop  the workshop's own facts again (title, doors, blanking), as in the snapshot

export function createState() {
  return { snapshot: null, activity: null, since: null, version: null, mine: null, views: new Map() };
}

function patchView(target, { view, patch = [], removed = {} }) {
  for (const [key, value] of Object.entries(view)) {
    if (!patch.includes(key)) {
      target[key] = value;
      continue;
    }
    const items = new Map((target[key] || []).map((item) => [item.id, item]));
    for (const item of value) items.set(item.id, item);
    for (const id of removed[key] || []) items.delete(id);
    target[key] = [...items.values()];
  }
}

// Apply one event; true if it changed what the screen shows.
export function applyEvent(state, name, data) {
  if (name === 'snapshot') {
    Object.assign(state, {
      snapshot: data, activity: data.live.activity, since: data.live.since,
      version: data.live.version, mine: data.live.mine ?? null, views: new Map(),
    });
    return true;
  }
  if (name === 'live') {
    const before = state.activity;
    if ('mine' in data || !before || !data.activity || before.id !== data.activity.id) {
      state.mine = data.mine ?? null;
    }
    Object.assign(state, { activity: data.activity, since: data.since, version: data.version });
    return true;
  }
  if (name === 'view') {
    let target = state.activity;
    if (!target || target.id !== data.activity_id) {
      if (!state.views.has(data.activity_id)) state.views.set(data.activity_id, {});
      target = state.views.get(data.activity_id);
    }
    patchView(target, data);
    return true;
  }
  if (name === 'workshop') {
    if (!state.snapshot) return false;
    state.snapshot.workshop = data;
    return true;
  }
  if (name === 'mine') {
    if (!state.activity || state.activity.id !== data.activity_id) return false;
    state.mine = data.mine;
    return true;
  }
  return false;
}

// An ack that carries the phone's own view (after an answer, a question, a vote)
// counts as a `mine` event for the activity it was about.
export function applyAck(state, ack) {
  if (!ack?.ok || !('mine' in ack) || !state.activity) return false;
  return applyEvent(state, 'mine', { activity_id: state.activity.id, mine: ack.mine });
}

export const STATE_EVENTS = ['live', 'view', 'mine'];

// Socket handlers that apply each of STATE_EVENTS (and `workshop`) to state, then call
// changed(name, data).
export function stateHandlers(state, changed) {
  return Object.fromEntries([...STATE_EVENTS, 'workshop'].map((name) => [name, (data) => {
    if (applyEvent(state, name, data)) changed(name, data);
  }]));
}
