import assert from 'node:assert/strict';
import { dependencyGate } from '../../../orchestrator/graph/dependency-gate.ts';
import { directDependenciesOf, directDependentsOf, type GraphEdge } from '../../../orchestrator/graph/stack-graph.ts';

describe('dependency gate: a stack is applied after the stacks it depends on', () => {
  const ready = (stackKey: string) => ({ stackKey, pending: false, ready: true });

  it('lets a stack go when every dependency is applied and idle', () => {
    assert.deepEqual(dependencyGate('infra/app/prod', {}, [ready('infra/network/prod'), ready('infra/cluster/prod')]), { go: true });
    assert.deepEqual(dependencyGate('infra/app/prod', {}, []), { go: true });
  });

  it('waits while a dependency has an apply queued or running, even one that failed before', () => {
    const gate = dependencyGate('infra/app/prod', {}, [ready('infra/network/prod'), { stackKey: 'infra/cluster/prod', pending: true, ready: false, failure: 'EngineError: boom' }]);
    assert.deepEqual(gate, { go: false, wait: ['infra/cluster/prod'] });
  });

  it('is blocked by a failed dependency, naming it and why', () => {
    const gate = dependencyGate('infra/app/prod', {}, [ready('infra/network/prod'), { stackKey: 'infra/cluster/prod', pending: false, ready: false, failure: 'InvalidProgram: SyntaxError in index.js' }]);
    assert.deepEqual(gate, { go: false, blocked: 'infra/cluster/prod failed (InvalidProgram: SyntaxError in index.js)' });
  });

  it('does not hold a stack back for a dependency that was never applied and is not queued', () => {
    assert.deepEqual(dependencyGate('infra/app/prod', {}, [{ stackKey: 'infra/network/prod', pending: false, ready: false }]), { go: true });
  });

  it('refuses a stack on a cycle, naming the cycle; a stack off it goes on', () => {
    const cycle = ['infra/a/prod', 'infra/b/prod', 'infra/a/prod'];
    assert.deepEqual(dependencyGate('infra/b/prod', { cycle }, []), { go: false, blocked: 'on a cycle of dependencies: infra/a/prod → infra/b/prod → infra/a/prod' });
    assert.deepEqual(dependencyGate('infra/c/prod', { cycle }, []), { go: true });
  });

  it('reads direct dependencies and direct dependents off the edges', () => {
    const edges: GraphEdge[] = [
      { from: 'infra/app/prod', to: 'infra/cluster/prod', via: 'reference', name: 'cluster/prod' },
      { from: 'infra/cluster/prod', to: 'infra/network/prod', via: 'reference', name: 'network/prod' },
      { from: 'infra/app/prod', to: 'infra/network/prod', via: 'dependsOn', name: 'network/prod' },
    ];
    assert.deepEqual(directDependenciesOf({ edges }, 'infra/app/prod'), ['infra/cluster/prod', 'infra/network/prod']);
    assert.deepEqual(directDependentsOf({ edges }, 'infra/network/prod'), ['infra/app/prod', 'infra/cluster/prod']);
    assert.deepEqual(directDependentsOf({ edges }, 'infra/app/prod'), []);
  });
});
