// The message kind: its title and text, the same on every screen (the control
// screen's preview and the panel show the projector's).
import { html } from '/static/vendor/lit-html/lit-html.js';

export function paragraphs(text) {
  return text ? html`<div class="message-body">${text.split(/\n{2,}/).map((p) => html`<p>${p}</p>`)}</div>` : null;
}

const show = (activity) => html`<h2 class="activity-title">${activity.title}</h2>${paragraphs(activity.body)}`;

export default {
  message: {
    screen: show,
    phone: show,
    report: (section) => paragraphs(section.view.body),
  },
};
