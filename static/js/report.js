// The event report: every activity's results, drawn with the projector's own charts.
import { $, h, replace } from './dom.js';
import { KIND_LABELS, connectionMap, promptResults } from './activities.js';

const report = JSON.parse($('#report-data').textContent);

function section(s) {
  const parts = [h('p', { class: 'round-label' }, KIND_LABELS[s.kind] || s.kind), h('h2', {}, s.title)];
  if (s.results) parts.push(promptResults(s.kind, s.public, s.results));
  if (s.kind === 'message' && s.public.body) parts.push(h('p', { class: 'message-body' }, s.public.body));
  if (s.summary) {
    const m = s.summary;
    parts.push(h('p', {}, `${m.new_connections} new connections; ${m.cross_organisation} meetings across `
      + `organisations; ${m.organisations_connected} of ${m.organisations} organisations connected; `
      + `${m.people} people took part.`), m.nodes.length ? connectionMap(m) : null);
  }
  if (s.counts) {
    const c = s.counts;
    parts.push(h('p', {}, `${c.received} received · ${c.published} published · ${c.held} held · ${c.answered} answered`));
    const top = [...s.public.questions].sort((a, b) => b.votes - a.votes).slice(0, 15);
    if (top.length) {
      parts.push(h('ol', { class: 'report-questions' }, top.map((q) => h('li', {},
        h('span', { class: 'question-text' }, q.text), s.public.settings.voting ? ` (▲ ${q.votes})` : ''))));
    }
  }
  return h('section', { class: 'report-section' }, parts);
}

replace($('#report'), report.sections.length ? report.sections.map(section)
  : h('p', { class: 'muted' }, 'The run sheet is empty.'));
