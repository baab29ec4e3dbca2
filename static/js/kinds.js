// The kinds of activity this server offers and each one's renderers. The page
// lists the kinds (#kinds, written by the server); each kind's module comes from
// its own package (/kinds/<package>/...) and exports, by kind name, any of:
//   screen(activity, ctx)        the projector (and the control screen's preview,
//                                and the panel's "On the big screen now")
//   phone(activity, mine, ctx)   a joined phone: what it shows and does
//   control(activity, ctx)       the control screen's live panel, under the preview
//   panel(activity, ctx)         the panel screen's work area (moderating, reading):
//                                the panel lists the run sheet's activities of kinds
//                                with one, and shows the live one unless another is
//                                chosen
//   report(section, ctx)         its section of the event report
//   keys                         the control screen's shortcuts while it is live:
//                                { t(activity, ctx) {...}, '+': ..., r: ... } (keys in
//                                lower case; '=' comes as '+')
// Each returns a lit-html template (or null). A kind without one is shown by
// its title alone on the projector and phones, and not at all on the control
// screen's live panel or in the panel's work area. `activity` is the live state's
// activity (its role's view, see state.js); `mine` the phone's own view; `ctx`
// what the screen offers:
//   ctx.role        'delegate', 'screen', 'facilitator', 'panel' or 'report'
//   ctx.request(event, data)   send and wait for the ack ({ok, ...}); never rejects.
//                   On the control screen a refused ack's message is also shown
//                   in the live card's error line (role=alert).
//   ctx.submit(event, data, {slot, refused}?)   phones: the same through the
//                   offline outbox (static/js/outbox.js: a client_id is added; kept
//                   and resent until acked); resolves with the ack, or
//                   {ok: false, error: 'queued', message} while offline. An item
//                   with a `slot` replaces one waiting in the same slot (an answer
//                   changed while offline); `refused` starts the notice the phone
//                   shows if the server turns it down when it is resent later
//                   (default: "What you sent while offline was not accepted:").
//   ctx.waiting(event)   phones: the data of the items of that event still waiting
//   ctx.returned(event)  phones: [{data, message}] of items of that event the server
//                   turned down when they were resent, each given once (to put a
//                   question back in its box, say)
//   ctx.serverNow() the server's clock, in ms
//   ctx.local(key, make)  UI state of this screen for the live activity (an
//                   order being built, a half-typed text), kept across renders
//                   and dropped when another activity goes live
//   ctx.rerender()  draw again after changing local state
//   ctx.me, ctx.workshop  the delegate (phones) and the workshop, as in `snapshot`
//   ctx.links       control screens: {screen, panel}, the projector's and panel's
//                   full addresses
//   ctx.live        panels: whether this activity is the live one
//   ctx.held        panels: whether the panel holds the activity's whole view
//                   (always while it is live). One not held is {id, kind, title}
//                   and what `view` updates brought: a renderer that needs the
//                   whole view asks for it (ctx.request) and gives it to
//   ctx.hold(view)  panels: keep this as the activity's view; later `view`
//                   updates apply to it
// Shared pieces (a countdown `timer(deadlineSeconds)`, `countdown(ms)`, and
// `ticking(now => template)` for text that follows the clock) are in
// /static/js/widgets.js; the control screen's CSV links come from the manifest.
//
// A kind's settings form (its `settings_template`) is one or more
// <fieldset class="kind-fields" data-kind="name other-name">; the control screen
// shows those of the chosen kind, and reads and fills their named fields
// generically: a dotted name (meeting_points.mode) is a nested field; a checkbox
// is true or false, a number input a number (left out when empty), a select whose
// value is a whole number that number, a textarea with data-lines a list of its
// lines (trailing blank lines dropped). Inside the form, [data-show-if="field=a|b"]
// is shown only while that field has one of those values; an <option data-fills=
// '{"field": value}'> sets those fields when it is chosen; a button with
// data-add-line="textarea id" and data-line="text" adds that line to the textarea;
// a <select data-activities="kind other-kind"> offers the run sheet's activities of
// those kinds (value: the activity's id) after its first option, if that is blank.
import { html } from '../vendor/lit-html/lit-html.js';
import { keyed } from '../vendor/lit-html/directives/keyed.js';

const listed = JSON.parse(document.getElementById('kinds')?.textContent || '[]');

export const KINDS = new Map(listed.map((kind) => [kind.name, kind]));

const renderers = new Map();

// Load every kind's module. One that fails to load leaves its kinds drawn by title.
export async function loadKinds() {
  const scripts = [...new Set(listed.map((kind) => kind.script).filter(Boolean))];
  const modules = await Promise.allSettled(scripts.map((url) => import(url)));
  modules.forEach((module, i) => {
    if (module.status === 'rejected') {
      console.error(`Could not load ${scripts[i]}:`, module.reason);
      return;
    }
    for (const [name, renderer] of Object.entries(module.value.default || {})) renderers.set(name, renderer);
  });
}

export function rendererOf(kind) {
  return renderers.get(kind) || {};
}

export function labelOf(kind) {
  return KINDS.get(kind)?.label || kind;
}

// The CSV files a kind offers for one activity: [{name, label}].
export function exportsOf(kind) {
  return KINDS.get(kind)?.exports || [];
}

// One kind module's export from parts that each give some roles' renderers.
export function combine(...parts) {
  const kinds = {};
  for (const part of parts) {
    for (const [name, renderers] of Object.entries(part)) kinds[name] = { ...kinds[name], ...renderers };
  }
  return kinds;
}

const titleOf = (activity) => html`<h2 class="activity-title">${activity.title}</h2>`;

// What the kind's renderer for `role` draws (undefined if it has none). A renderer
// that throws is reported, and the activity shown by its title.
export function drawPart(role, activity, ...args) {
  const render = rendererOf(activity.kind)[role];
  if (!render) return undefined;
  try {
    return render(activity, ...args);
  } catch (error) {
    console.error(`The ${activity.kind} ${role} renderer failed:`, error);
    return titleOf(activity);
  }
}

// The activity as the projector or a phone shows it: its renderer's output, or its
// title, in the wrapper every screen styles. Another activity gets new elements, so
// that nothing typed or ticked in one shows in the next.
export function drawActivity(role, activity, ...args) {
  return keyed(activity.id, html`<article class="activity activity-${activity.kind}"
    data-activity-id=${activity.id}>${drawPart(role, activity, ...args) ?? titleOf(activity)}</article>`);
}

// Each shown activity's UI state (ctx.local), kept until it is no longer shown.
export function createLocals() {
  const stores = new Map();
  return {
    of(id) {
      if (!stores.has(id)) stores.set(id, new Map());
      const store = stores.get(id);
      return (key, make) => {
        if (!store.has(key)) store.set(key, make());
        return store.get(key);
      };
    },
    keep(...ids) {
      for (const id of [...stores.keys()]) if (!ids.includes(id)) stores.delete(id);
    },
  };
}
