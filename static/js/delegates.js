// The control screen's delegate list: joined and online first, filters with counts,
// counts by organisation and sector, a search, a menu per row, and merging the
// variants of one organisation's name. Built for a roster of hundreds: only the rows
// the filter keeps are drawn, the first PAGE of them until "Show all".
import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { repeat } from '../vendor/lit-html/directives/repeat.js';
import { paint, redrawer } from './widgets.js';

const PAGE = 100;
const TOP = 6;  // organisations and sectors shown before "Show all"

const FILTERS = [
  ['all', 'All', () => true],
  ['joined', 'Joined', (d) => d.joined],
  ['online', 'Online', (d, online) => d.joined && online.has(d.id)],
  ['not-joined', 'Not joined', (d) => !d.joined && !d.removed],
  ['removed', 'Removed', (d) => d.removed],
];

// Online first, then joined, then not joined, removed last; by name within each.
const rank = (d, online) => (d.removed ? 3 : !d.joined ? 2 : online.has(d.id) ? 0 : 1);

function tally(list, key) {
  const counts = new Map();
  for (const d of list) {
    const value = d[key];
    if (!value) continue;
    const c = counts.get(value) ?? { name: value, people: 0, joined: 0 };
    c.people += 1;
    if (d.joined) c.joined += 1;
    counts.set(value, c);
  }
  return [...counts.values()].sort((a, b) => b.people - a.people || a.name.localeCompare(b.name));
}

// page: the control screen's {delegates: Map, online: Set}; act(event, data, errorId)
// asks the server; confirm({heading, text, ok}) asks in the screen's dialog.
export function createDelegateList({ page, root, act, confirm }) {
  const ui = {
    filter: 'all', query: '', all: false, menu: null, more: { organisation: false, sector: false },
    variants: { suggestions: [], merged: [] }, dismissed: new Set(), error: '',
  };

  async function release(d) {
    ui.menu = null;
    const name = d.name || 'this delegate';
    const ok = await confirm({
      heading: d.removed ? `Let ${name} back in?` : `Release ${name}?`,
      text: 'Their phone goes back to the join form and the name can be claimed again.',
      ok: d.removed ? 'Let back in' : 'Release name',
    });
    if (ok) await act('delegate:release', { delegate_id: d.id }, 'delegate-list-error');
    redraw();
  }

  async function remove(d) {
    ui.menu = null;
    const name = d.name || 'this delegate';
    const ok = await confirm({
      heading: `Remove ${name}?`,
      text: 'Their phone is signed out and the name cannot be claimed again. What they already sent stays.',
      ok: 'Remove',
    });
    if (ok) await act('delegate:remove', { delegate_id: d.id }, 'delegate-list-error');
    redraw();
  }

  function showVariants(answer) {
    if (answer?.ok !== false && answer?.suggestions) ui.variants = answer;
    redraw();
  }

  async function merge(set, canonical) {
    const answer = await act('delegate:merge_organisations',
      { names: set.names.map((n) => n.name), canonical }, 'delegate-list-error');
    if (answer.ok) showVariants(answer.organisations);
  }

  async function unmerge(canonical) {
    const answer = await act('delegate:unmerge_organisation', { organisation: canonical }, 'delegate-list-error');
    if (answer.ok) showVariants(answer.organisations);
  }

  // Look-alike names are found by the server; asked again a while after the list changes.
  let asking = null;
  function refreshVariants() {
    clearTimeout(asking);
    asking = setTimeout(async () => {
      const answer = await act('delegate:organisation_variants', {}, 'delegate-list-error');
      if (answer.ok) showVariants(answer);
    }, 1500);
  }

  const search = (event) => { ui.query = event.target.value; ui.all = false; redraw(); };
  const choose = (filter) => { ui.filter = filter; ui.all = false; redraw(); };
  const lookFor = (name) => { ui.query = name; ui.all = false; redraw(); };

  function summary(list, key, label) {
    const counts = tally(list, key);
    if (!counts.length) return nothing;
    const open = ui.more[key];
    const shown = open ? counts : counts.slice(0, TOP);
    return html`<div class="tally">
      <h3>${counts.length} ${label}</h3>
      <ul class="tally-list">${shown.map((c) => html`<li><button type="button" class="tally-item"
        title="Show ${c.name}" @click=${() => lookFor(c.name)}><span class="tally-name">${c.name}</span>
        <span class="tally-count">${c.people}${c.joined !== c.people ? html`<span class="muted"> · ${c.joined} in</span>` : nothing}</span>
        </button></li>`)}</ul>
      ${counts.length > TOP ? html`<button type="button" class="link" aria-expanded=${String(open)}
        @click=${() => { ui.more[key] = !open; redraw(); }}>${open ? 'Show fewer' : `Show all ${counts.length}`}</button>` : nothing}
    </div>`;
  }

  function variants() {
    const sets = ui.variants.suggestions.filter((s) => !ui.dismissed.has(s.names.map((n) => n.name).join('\n')));
    const merged = ui.variants.merged;
    if (!sets.length && !merged.length) return nothing;
    return html`<div class="org-variants" aria-labelledby="org-variants-heading">
      <h3 id="org-variants-heading">Organisation names</h3>
      <ul class="org-suggestions">${sets.map((s) => html`<li class="org-suggestion">
        <p>These look like one organisation: ${s.names.map((n, i) => html`${i ? ', ' : ''}<strong>${n.name}</strong> (${n.people})`)}</p>
        <div class="button-row">${s.names.slice(0, 3).map((n) => html`<button type="button"
          class=${n.name === s.canonical ? 'small' : 'secondary small'}
          @click=${() => merge(s, n.name)}>Merge as ${n.name}</button>`)}
          <button type="button" class="secondary small"
            @click=${() => { ui.dismissed.add(s.names.map((n) => n.name).join('\n')); redraw(); }}>Not the same</button></div>
      </li>`)}</ul>
      ${merged.length ? html`<ul class="org-merged">${merged.map((m) => html`<li>
        <strong>${m.canonical}</strong> also counts ${m.variants.map((v, i) => html`${i ? ', ' : ''}“${v}”`)}
        <button type="button" class="secondary small" @click=${() => unmerge(m.canonical)}>Undo merge</button></li>`)}</ul>` : nothing}
    </div>`;
  }

  function rowMenu(d) {
    const open = ui.menu === d.id;
    const label = d.name || 'this delegate';
    return html`<div class="row-menu">
      <button type="button" class="secondary small icon" aria-haspopup="true" aria-expanded=${String(open)}
        aria-label="Actions for ${label}" @click=${() => { ui.menu = open ? null : d.id; redraw(); }}>⋯</button>
      ${open ? html`<div class="row-menu-items" role="group" aria-label="Actions for ${label}">
        ${d.joined || d.removed ? html`<button type="button" class="secondary small" @click=${() => release(d)}>${
          d.removed ? 'Let back in…' : 'Release name…'}</button>` : nothing}
        ${d.removed ? nothing : html`<button type="button" class="danger small" @click=${() => remove(d)}>Remove…</button>`}
      </div>` : nothing}
    </div>`;
  }

  function row(d) {
    const online = page.online.has(d.id);
    const status = d.removed ? 'Removed' : !d.joined ? 'Not joined' : online ? 'Online' : 'Offline';
    return html`<tr class=${ui.menu === d.id ? 'is-selected' : ''}>
      <td>${d.name || html`<span class="muted">(no name)</span>`}${
        d.source === 'simulated' ? html` <span class="simulated-tag">Simulated</span>` : nothing}</td>
      <td>${d.organisation}${d.typed ? html`<span class="muted typed" title="As they typed it"> (“${d.typed}”)</span>` : nothing}</td>
      <td>${d.role}</td><td>${d.sector || ''}</td>
      <td><span class="dot ${!d.joined ? 'none' : online ? 'on' : 'off'}"></span>${status}</td>
      <td>${rowMenu(d)}</td></tr>`;
  }

  function draw() {
    const everyone = [...page.delegates.values()];
    const counts = Object.fromEntries(FILTERS.map(([id, , keep]) => [id, everyone.filter((d) => keep(d, page.online)).length]));
    const keep = FILTERS.find(([id]) => id === ui.filter)[2];
    const words = ui.query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const rows = everyone
      .filter((d) => keep(d, page.online))
      .filter((d) => {
        if (!words.length) return true;
        const text = `${d.name} ${d.organisation} ${d.typed ?? ''} ${d.role} ${d.sector ?? ''}`.toLowerCase();
        return words.every((w) => text.includes(w));
      })
      .sort((a, b) => rank(a, page.online) - rank(b, page.online) || a.name.localeCompare(b.name));
    const shown = ui.all ? rows : rows.slice(0, PAGE);
    const present = everyone.filter((d) => !d.removed);
    paint(html`
      ${variants()}
      <div class="tallies">${summary(present, 'organisation', 'organisations')}${summary(present, 'sector', 'sectors')}</div>
      <div class="delegate-tools">
        <div class="filters" role="group" aria-label="Show">${FILTERS.map(([id, label]) => html`<button type="button"
          class="filter ${ui.filter === id ? 'is-on' : ''}" aria-pressed=${String(ui.filter === id)}
          data-filter=${id} @click=${() => choose(id)}>${label} <span class="filter-count">${counts[id]}</span></button>`)}</div>
        <label class="delegate-search"><span class="visually-hidden">Find a delegate</span>
          <input id="delegate-filter" type="search" placeholder="Find: name, organisation or role"
            .value=${ui.query} @input=${search}></label>
      </div>
      <p class="error" id="delegate-list-error" role="alert"></p>
      <p class="muted" id="delegate-count" role="status">${rows.length === everyone.length ? `${rows.length} delegates`
        : `${rows.length} of ${everyone.length} delegates`}${shown.length < rows.length ? `, first ${shown.length} shown` : ''}</p>
      <table class="delegates">
        <thead><tr><th scope="col">Name</th><th scope="col">Organisation</th><th scope="col">Role</th>
          <th scope="col">Sector</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody id="delegates">${repeat(shown, (d) => d.id, row)}</tbody>
      </table>
      ${shown.length < rows.length ? html`<p><button type="button" class="secondary" id="delegates-show-all"
        @click=${() => { ui.all = true; redraw(); }}>Show all ${rows.length}</button></p>` : nothing}`, root);
  }
  const redraw = redrawer(draw);

  return {
    redraw,
    // A new list or delegate: look for look-alike organisation names again soon.
    changed() { refreshVariants(); redraw(); },
    showVariants,
  };
}
