// One renderer per activity kind, shared by phone, projector, panel and control.
import { h } from './dom.js';

const RENDERERS = {
  message: (activity) => [
    h('h2', { class: 'activity-title' }, activity.title),
    activity.body ? h('div', { class: 'message-body' },
      activity.body.split(/\n{2,}/).map((para) => h('p', {}, para))) : null,
  ],
};

export function renderActivity(activity) {
  if (!activity) return null;
  const render = RENDERERS[activity.kind];
  return h('article', { class: `activity activity-${activity.kind}`, 'data-activity-id': activity.id },
    render ? render(activity) : h('h2', { class: 'activity-title' }, activity.title));
}

export const KIND_LABELS = { message: 'Message' };
