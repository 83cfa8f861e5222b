import assert from 'node:assert/strict';
import { stackGraphView } from '../../../orchestrator/dashboard/assets/graph-view.js';
import { textOf, toHtml, type VNode } from '../../../orchestrator/dashboard/assets/render.js';
import { buildStackGraph, type StackLinksInput } from '../../../orchestrator/graph/stack-graph.ts';

const node = (stackKey: string, references: string[] = [], dependsOn: string[] = []): StackLinksInput => {
  const [, project, stack] = stackKey.split('/');
  return { stackKey, project: project!, stack: stack!, references, dependsOn };
};
function all(n: VNode | string): VNode[] {
  return typeof n === 'string' ? [] : [n, ...n.children.flatMap(all)];
}

describe('dashboard: the stack graph', () => {
  it('lists the stacks in the order they apply in, each dependency with how it was seen, and what is not known', () => {
    const graph = buildStackGraph([node('infra/net/prod'), node('infra/cluster/prod', ['net/prod']), node('infra/app/prod', ['cluster/prod'], ['net/prod', 'billing/prod'])], ['infra/./sandbox']);
    const view = stackGraphView(graph);
    const layers = all(view).filter((n) => n.attrs['data-layer'] !== undefined).map(textOf);
    // A stack whose links are not known yet stands in the first layer, as the graph orders it.
    assert.deepEqual(layers, ['infra/./sandbox, infra/net/prod', 'infra/cluster/prod', 'infra/app/prod']);
    const edges = all(view).filter((n) => n.attrs['data-edge'] !== undefined).map((n) => n.children.map(textOf).join(' | '));
    assert.deepEqual(edges.sort(), [
      'infra/app/prod | infra/cluster/prod | StackReference | cluster/prod',
      'infra/app/prod | infra/net/prod | homeostat:dependsOn | net/prod',
      'infra/cluster/prod | infra/net/prod | StackReference | net/prod',
    ]);
    assert.match(textOf(view), /unresolved: infra\/app\/prod declares billing\/prod: /);
    assert.match(textOf(view), /not known yet \(no apply recorded their links\): infra\/\.\/sandbox/);
  });

  it('names a cycle instead of an order', () => {
    const view = stackGraphView(buildStackGraph([node('infra/a/prod', ['b/prod']), node('infra/b/prod', ['a/prod'])]));
    assert.match(textOf(view), /^cycle: infra\/(a|b)\/prod → infra\/(a|b)\/prod → infra\/(a|b)\/prod \(no order to apply in until it is broken\)/);
    assert.equal(all(view).filter((n) => n.attrs['data-layer'] !== undefined).length, 0);
  });

  it('says so when there are no stacks, and keeps hostile names as text', () => {
    assert.equal(textOf(stackGraphView(buildStackGraph([]))), 'no stacks yet');
    const html = toHtml(stackGraphView(buildStackGraph([node('infra/web/prod', ['<img src=x onerror=alert(1)>'])])));
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });
});
