/**
 * The dashboard's stack graph, as `GET /api/graph` serves it (the same graph
 * `homeostat graph` prints): the order stacks apply in (layers, dependencies
 * first), each dependency with how it was seen, names no watched stack
 * answers to, and stacks whose links are not known yet. A cycle is shown
 * instead of an order, since there is none. Pure: data in, element
 * descriptions out; stack names and link names go in as text.
 */
import { h } from './markup.js';

const VIA = { reference: 'StackReference', dependsOn: 'homeostat:dependsOn' };

const stackLink = (k) => h('a', { href: `/dashboard/stack?key=${encodeURIComponent(k)}`, 'data-stack': k }, k);

export function stackGraphView(graph) {
  if (graph.nodes.length === 0) return h('p', { class: 'muted' }, 'no stacks yet');
  return h(
    'div',
    { class: 'stack-graph' },
    graph.cycle
      ? h('p', { class: 'graph-cycle' }, `cycle: ${graph.cycle.join(' → ')} (no order to apply in until it is broken)`)
      : h(
          'ol',
          { class: 'graph-order' },
          graph.order.map((layer, i) => h('li', { 'data-layer': i + 1 }, layer.map((k, j) => [j > 0 ? ', ' : '', stackLink(k)]))),
        ),
    graph.edges.length === 0
      ? h('p', { class: 'muted' }, 'no stack depends on another')
      : h(
          'table',
          { class: 'graph-edges' },
          h('thead', {}, h('tr', {}, ['Stack', 'Depends on', 'Seen as', 'Name'].map((c) => h('th', {}, c)))),
          h('tbody', {}, graph.edges.map((e) => h('tr', { 'data-edge': `${e.from} -> ${e.to}` }, h('td', {}, stackLink(e.from)), h('td', {}, stackLink(e.to)), h('td', {}, VIA[e.via] ?? e.via), h('td', { class: 'mono' }, e.name)))),
        ),
    graph.unresolved.length
      ? h('ul', { class: 'graph-unresolved' }, graph.unresolved.map((u) => h('li', {}, `unresolved: ${u.from} ${u.via === 'reference' ? 'reads' : 'declares'} ${u.name}: ${u.why}`)))
      : null,
    graph.unknown.length ? h('p', { class: 'muted graph-unknown' }, `not known yet (no apply recorded their links): ${graph.unknown.join(', ')}`) : null,
  );
}
