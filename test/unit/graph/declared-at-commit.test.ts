import assert from 'node:assert/strict';
import { graphAtIntake, mergeDeclaredLinks } from '../../../orchestrator/graph/declared-at-commit.ts';
import { dependencyGate } from '../../../orchestrator/graph/dependency-gate.ts';
import { graphOfStatuses, orderRank } from '../../../orchestrator/graph/stack-graph.ts';

/** What the intake reads at a pushed commit: the stack's project and its `homeostat:dependsOn`. */
const declared = (project: string, ...dependsOn: string[]) => ({ stackKey: `infra/${project}/dev`, project, dependsOn });

describe('the declared links of a pushed commit, merged with the recorded ones', () => {
  it('orders the first push of a chain of new stacks, which no status knows yet, by their dependsOn', () => {
    const merged = mergeDeclaredLinks([], [declared('c', 'b/dev'), declared('a'), declared('b', 'a/dev')]);
    const graph = graphOfStatuses(merged);
    assert.deepEqual(graph.order, [['infra/a/dev'], ['infra/b/dev'], ['infra/c/dev']]);
    assert.deepEqual(graph.unknown, []);
    assert.deepEqual(graphAtIntake(graph, 'infra/c/dev'), { dependencies: ['infra/b/dev'] });
    assert.deepEqual(graphAtIntake(graph, 'infra/a/dev'), { dependencies: [] });
  });

  it('keeps the references a stack recorded and takes the dependsOn of the commit, which is newer', () => {
    const statuses = [
      { stackKey: 'infra/a/dev', links: { project: 'a', references: [], dependsOn: [] } },
      { stackKey: 'infra/b/dev', links: { project: 'b', references: ['organization/a/dev'], dependsOn: ['gone/dev'] } },
      { stackKey: 'infra/gone/dev', links: { project: 'gone', references: [], dependsOn: [] } },
    ];
    const merged = mergeDeclaredLinks(statuses, [declared('b')]);
    assert.deepEqual(merged[1], { stackKey: 'infra/b/dev', links: { project: 'b', references: ['organization/a/dev'], dependsOn: [] } });
    // Stacks the commit does not touch keep what they recorded.
    assert.equal(merged[0], statuses[0]);
    assert.deepEqual(graphOfStatuses(merged).edges.map((e) => `${e.from} -> ${e.to}`), ['infra/b/dev -> infra/a/dev']);
  });

  it('orders a new stack after one already applied that it declares, and before one the commit has it read', () => {
    const statuses = [
      { stackKey: 'infra/net/dev', links: { project: 'net', references: [], dependsOn: [] } },
      // Applied before the stack graph: no links recorded.
      { stackKey: 'infra/app/dev' },
    ];
    const merged = mergeDeclaredLinks(statuses, [declared('db', 'net/dev'), declared('app', 'db/dev')]);
    const rank = orderRank(graphOfStatuses(merged));
    assert.ok(rank.get('infra/net/dev')! < rank.get('infra/db/dev')!);
    assert.ok(rank.get('infra/db/dev')! < rank.get('infra/app/dev')!);
  });

  it('blocks each stack of a cycle the commit declares, naming it, rather than have them wait for one another', () => {
    const graph = graphOfStatuses(mergeDeclaredLinks([], [declared('a', 'b/dev'), declared('b', 'a/dev')]));
    const atIntake = graphAtIntake(graph, 'infra/b/dev');
    assert.deepEqual(atIntake, { dependencies: ['infra/a/dev'], cycle: ['infra/a/dev', 'infra/b/dev', 'infra/a/dev'] });
    // Both would be pending at once: without the cycle, each would wait for the other for ever.
    const decision = dependencyGate('infra/b/dev', { cycle: atIntake.cycle }, [{ stackKey: 'infra/a/dev', pending: true, ready: false }]);
    assert.deepEqual(decision, { go: false, blocked: 'on a cycle of dependencies: infra/a/dev → infra/b/dev → infra/a/dev' });
    assert.deepEqual(graph.order, []);
  });
});
