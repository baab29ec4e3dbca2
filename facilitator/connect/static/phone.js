// Connect on the phone: the group card, its taps, and the people met.
import { html, nothing } from '/static/vendor/lit-html/lit-html.js';
import { repeat } from '/static/vendor/lit-html/directives/repeat.js';
import { countdown, ticking, timer } from '/static/js/widgets.js';
import { phaseLine, roundLine } from './round.js';

const about = (m) => [m.organisation, m.role].filter(Boolean).join(' · ');

// A tap on the phone; its result arrives as `mine`. Taps name the activity and round
// of the card, so one that arrives late is refused rather than counted in the next round.
function actions(activity, ctx) {
  const ui = ctx.local('taps', () => ({ error: '', regroupAt: 0, knew: '' }));
  const act = async (event, data = {}) => {
    const answer = await ctx.request(event, data);
    ui.error = answer.ok ? '' : answer.message;
    if (answer.regroup_at) ui.regroupAt = answer.regroup_at;
    if (answer.ok && event === 'connect:know') ui.knew = answer.swapped ? 'swapped' : 'kept';
    ctx.rerender();
  };
  const card = () => ({ activity_id: activity.id, round: activity.round.number });
  return { ui, act, tap: (event, data) => act(event, { ...card(), ...data }) };
}

function member(m, round, tap) {
  return html`<li class="member">
    <span class="member-name">${m.name || 'Someone'}${m.found
      ? html`<span class="tick" aria-label="has found the group"> ✓</span>` : nothing}</span>
    <span class="muted">${about(m)}</span>
    ${!round.running ? nothing : m.known ? html`<span class="known">You already knew each other</span>`
      : html`<button type="button" class="link small" @click=${() => tap('connect:know', { delegate_id: m.id })}>
        We already know each other</button>`}</li>`;
}

// Troika: whether this phone's person is the client or a consultant this turn.
function troikaRole(group, round) {
  if (!round.phases.length || !round.running) return nothing;
  const turnSeconds = round.phases.reduce((s, p) => s + p.seconds, 0);
  return ticking((now) => {
    const turn = Math.min(round.turns - 1, Math.floor((now / 1000 - round.started_at) / turnSeconds));
    const client = turn === group.position;
    return html`<p class="troika-role ${client ? 'client' : ''}">${
      client ? 'You are the client this turn' : 'You are a consultant this turn'}</p>`;
  });
}

// "We'll find you someone new in 1:12": a countdown, never a clock time (phones' clocks
// and time zones differ; the server's deadline is corrected for this phone's offset).
function regroupLine(round, ui, text) {
  const at = Math.max(round.regroup_at || 0, ui.regroupAt || 0) * 1000;
  return ticking((now) => (at - now > 0
    ? html`<p class="notice regroup" role="status">${text} in ${countdown(at, { small: true })}.</p>`
    : html`<p class="notice regroup" role="status">${text} now…</p>`));
}

// The names of group-mates who said they could not find this person.
const lostBy = (group) => group.members.filter((m) => (group.lost_by || []).includes(m.id))
  .map((m) => m.name || 'Someone').join(' and ');

function groupCard(activity, group, { ui, tap }) {
  const { round } = activity;
  const pair = group.members.length === 1;
  let doing = nothing;
  const moved = group.regrouped && round.running && !group.found
    ? html`<p class="notice moved" role="status">You've been put with ${pair ? 'someone new' : 'a new group'}:
      go to ${group.meeting_point}.</p>` : nothing;
  const knew = ui.knew && round.running ? html`<p class="notice knew" role="status">${ui.knew === 'swapped'
    ? "You've been swapped with another pair who also knew each other: meet your new partner below. "
    : ''}We'll remember you two know each other, and won't pair you again.</p>` : nothing;
  if (round.running && group.found) {
    doing = html`<p class="found-banner">${pair ? "You've found each other ✓" : "You're with your group ✓"}</p>`;
  } else if (round.running) {
    doing = html`<div class="stack">
      <button type="button" class="big" @click=${() => tap('connect:found')}>${
        pair ? "We've found each other" : "I've found my group"}</button>
      ${group.cant_find ? regroupLine(round, ui, "We'll find you someone new")
        : html`${group.lost_by?.length ? html`${regroupLine(round, ui,
          `${lostBy(group)} couldn't find you. If they don't turn up, we'll find you someone new`)}`
          : nothing}<button type="button" class="secondary big" @click=${() => tap('connect:cant_find')}>
          I can't find them</button>`}</div>`;
  }
  return html`<section class="card-connect" aria-label="Your group">
    <p class="meet-at"><span class="muted">Group ${group.number} · meet at</span><strong>${group.meeting_point}</strong></p>
    <h3>${pair ? 'Your partner' : `Your group (${group.members.length + 1} with you)`}</h3>
    <ul class="members">${repeat(group.members, (m) => m.id, (m) => member(m, round, tap))}</ul>
    ${troikaRole(group, round)}
    ${moved}${knew}
    <p class="prompt-small">${round.prompt}</p>
    ${doing}</section>`;
}

function contactForm(mine, act) {
  return html`<form class="stack contact-form" @submit=${(event) => {
    event.preventDefault();
    act('connect:contact', { contact: event.target.elements.contact.value });
  }}>
    <label for="contact">Share your email or phone with the people you met</label>
    <input id="contact" name="contact" maxlength="120" autocomplete="email" .value=${mine.my_contact || ''}>
    <p class="hint">Only people who share theirs too will see yours.</p>
    <div class="button-row">
      <button type="submit">${mine.my_contact ? 'Update' : 'Share'}</button>
      ${mine.my_contact ? html`<button type="button" class="secondary"
        @click=${() => act('connect:contact', { contact: '' })}>Stop sharing</button>` : nothing}
    </div></form>`;
}

function metList(mine, act) {
  const met = mine.met || [];
  return html`<section class="met">
    <h2>${met.length ? `You met ${met.length} ${met.length === 1 ? 'person' : 'people'}` : 'People you met'}</h2>
    ${met.length ? html`<ul class="members">${repeat(met, (m) => m.id, (m) => html`<li class="member">
        <span class="member-name">${m.name}</span><span class="muted">${about(m)}</span>
        ${m.contact ? html`<span class="contact">${m.contact}</span>` : nothing}</li>`)}</ul>
      ${contactForm(mine, act)}`
      : html`<p class="muted">Meetings count once you tap “found” on your card.</p>`}</section>`;
}

function roundView(activity, mine, taps) {
  const { round } = activity;
  let card = nothing;
  if (mine.group && mine.group.round === round.number) {
    card = groupCard(activity, mine.group, taps);
  } else if (round.kind === 'solo' || round.kind === 'all') {
    card = html`<h2 class="activity-title prompt">${round.prompt}</h2>`;
  } else if (!mine.sitting_out && round.running) {
    card = html`<p class="notice">You're not in a group this round: you'll be in the next one.</p>`;
  }
  return html`${roundLine(activity, round)}
    ${round.running ? timer(round.ends_at) : nothing}
    ${round.running && round.phases.length ? phaseLine(round) : nothing}
    ${card}
    ${round.running ? nothing : html`<p class="round-over">Time is up: thank your group!</p>
      ${activity.next ? html`<p class="muted">The next round starts soon.</p>` : nothing}`}`;
}

function phone(activity, mine, ctx) {
  mine = mine || { sitting_out: false, group: null };
  const taps = actions(activity, ctx);
  const { act, ui } = taps;
  const error = html`<p class="error" role="alert">${ui.error || nothing}</p>`;
  if (activity.summary) {
    return html`<h2 class="activity-title">${activity.title}</h2>${metList(mine, act)}${error}`;
  }
  return html`${activity.round ? roundView(activity, mine, taps) : html`
      <h2 class="activity-title">${activity.title}</h2>
      <p>Get ready to meet new people. Your card appears here when the first round starts.</p>`}
    ${mine.sitting_out ? html`<div class="sitting-out"><p>You're sitting the rounds out.</p>
        <button type="button" @click=${() => act('connect:sit_out', { sitting_out: false })}>I'm back</button></div>`
      : html`<p class="leave"><button type="button" class="link"
        @click=${() => act('connect:sit_out', { sitting_out: true })}>I'm sitting this one out</button></p>`}
    ${error}`;
}

export default { connect: { phone } };
