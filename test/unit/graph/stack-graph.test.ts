import assert from 'node:assert/strict';
import { buildStackGraph, dependentsOf, describeCycle, findCycle, graphOfStatuses, orderRank, resolveStackName, type StackLinksInput } from '../../../orchestrator/graph/stack-graph.ts';

/** A stack of repository `infra`, project folder `.`, with its Pulumi project name. */
function stack(project: string, name: string, links: { references?: string[]; dependsOn?: string[]; repo?: string } = {}): StackLinksInput {
  return { stackKey: `${links.repo ?? 'infra'}/${project}/${name}`, project, stack: name, references: links.references ?? [], dependsOn: links.dependsOn ?? [] };
}

describe('stack graph', () => {
  const network = stack('network', 'prod');
  const cluster = stack('cluster', 'prod', { references: ['organization/network/prod'] });
  const app = stack('app', 'prod', { references: ['cluster/prod'], dependsOn: ['organization/network/prod'] });

  it('orders a chain dependencies first, and puts independent stacks in one layer', () => {
    const lone = stack('billing', 'prod');
    const graph = buildStackGraph([app, cluster, network, lone]);
    assert.deepEqual(graph.order, [['infra/billing/prod', 'infra/network/prod'], ['infra/cluster/prod'], ['infra/app/prod']]);
    assert.deepEqual([...orderRank(graph)], [['infra/billing/prod', 0], ['infra/network/prod', 0], ['infra/cluster/prod', 1], ['infra/app/prod', 2]]);
    assert.equal(graph.cycle, undefined);
    assert.deepEqual(
      graph.edges.map((e) => `${e.from} -> ${e.to} (${e.via})`),
      ['infra/app/prod -> infra/cluster/prod (reference)', 'infra/app/prod -> infra/network/prod (dependsOn)', 'infra/cluster/prod -> infra/network/prod (reference)'],
    );
  });

  it('resolves the three forms of a name, a bare stack name within the referrer\'s project', () => {
    const dev = stack('network', 'dev', { references: ['prod'] });
    const nodes = [network, dev, cluster];
    assert.deepEqual(resolveStackName('organization/network/prod', cluster, nodes), { stackKey: 'infra/network/prod' });
    assert.deepEqual(resolveStackName('network/prod', cluster, nodes), { stackKey: 'infra/network/prod' });
    assert.deepEqual(resolveStackName('prod', dev, nodes), { stackKey: 'infra/network/prod' });
    assert.match((resolveStackName('a/b/c/d', dev, nodes) as { why: string }).why, /not a stack name/);
    assert.match((resolveStackName('network/staging', dev, nodes) as { why: string }).why, /no watched stack network\/staging/);
  });

  it("prefers the referrer's repository when two repositories hold the same project and stack, and says when it cannot choose", () => {
    const theirs = stack('network', 'prod', { repo: 'other' });
    const mine = stack('cluster', 'prod', { repo: 'other', references: ['network/prod'] });
    assert.deepEqual(resolveStackName('network/prod', mine, [network, theirs, mine]), { stackKey: 'other/network/prod' });
    const third = stack('app', 'prod', { repo: 'third', references: ['network/prod'] });
    assert.match((resolveStackName('network/prod', third, [network, theirs, third]) as { why: string }).why, /several watched stacks are network\/prod: infra\/network\/prod, other\/network\/prod/);
  });

  it('keeps a name no watched stack answers to as unresolved, without an edge', () => {
    const graph = buildStackGraph([stack('app', 'prod', { references: ['organization/shared/prod'] })]);
    assert.deepEqual(graph.edges, []);
    assert.deepEqual(graph.unresolved, [{ from: 'infra/app/prod', name: 'organization/shared/prod', via: 'reference', why: 'no watched stack shared/prod' }]);
  });

  it('counts a stack both read and declared once, as the reference the engine saw', () => {
    const both = stack('cluster', 'prod', { references: ['network/prod'], dependsOn: ['organization/network/prod'] });
    const graph = buildStackGraph([network, both]);
    assert.deepEqual(graph.edges, [{ from: 'infra/cluster/prod', to: 'infra/network/prod', via: 'reference', name: 'network/prod' }]);
  });

  it('names a cycle from a stack back to itself, and gives no order then', () => {
    const a = stack('a', 'prod', { references: ['b/prod'] });
    const b = stack('b', 'prod', { dependsOn: ['c/prod'] });
    const c = stack('c', 'prod', { references: ['a/prod'] });
    const graph = buildStackGraph([c, b, a, network]);
    assert.deepEqual(graph.cycle, ['infra/a/prod', 'infra/b/prod', 'infra/c/prod', 'infra/a/prod']);
    assert.equal(describeCycle(graph.cycle), 'infra/a/prod → infra/b/prod → infra/c/prod → infra/a/prod');
    assert.deepEqual(graph.order, []);
  });

  it('finds a stack that reads itself as a cycle of one', () => {
    assert.deepEqual(findCycle(['infra/a/prod'], [{ from: 'infra/a/prod', to: 'infra/a/prod', via: 'reference', name: 'prod' }]), ['infra/a/prod', 'infra/a/prod']);
  });

  it('lists every stack an output change reaches, through other stacks too', () => {
    const graph = buildStackGraph([app, cluster, network, stack('billing', 'prod')]);
    assert.deepEqual(dependentsOf(graph, 'infra/network/prod'), ['infra/app/prod', 'infra/cluster/prod']);
    assert.deepEqual(dependentsOf(graph, 'infra/app/prod'), []);
  });

  it('builds from stack statuses, listing those whose links no apply has recorded yet', () => {
    const graph = graphOfStatuses([
      { stackKey: 'infra/./sandbox', links: { project: 'homeostat-infra', references: [], dependsOn: ['homeostat-infra/web-prod'] } },
      { stackKey: 'infra/./web-prod', links: { project: 'homeostat-infra', references: [], dependsOn: [] } },
      { stackKey: 'infra/./app-prod' },
    ]);
    assert.deepEqual(graph.nodes, ['infra/./app-prod', 'infra/./sandbox', 'infra/./web-prod']);
    assert.deepEqual(graph.unknown, ['infra/./app-prod']);
    assert.deepEqual(graph.order, [['infra/./app-prod', 'infra/./web-prod'], ['infra/./sandbox']]);
  });
});
