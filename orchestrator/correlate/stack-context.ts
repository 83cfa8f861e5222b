import { TopologySchema, type Topology } from './index.ts';
import { deploymentsFromRuns, type Deployment } from '../diagnose/index.ts';
import { directDependenciesOf, graphOfStatuses } from '../graph/stack-graph.ts';
import type { RunRecord } from '../records/run-record.ts';
import type { StackStatus } from '../records/stack-status.ts';
import type { WatchedStack } from '../telemetry/index.ts';
import { StackContractSchema } from '../../stacks/contract.ts';

/**
 * The stacks' context, read from the deploy stage's records: which health
 * signals and alarms belong to which stack (from each stack's last applied
 * outputs), which stacks depend on which (the stack graph), and the stacks' recent deployments. It is current as soon as a
 * stack is applied, since the deploy worker writes the outputs. Pure.
 */
export interface StackContext {
  topology: Topology;
  watched: WatchedStack[];
  deployments: Deployment[];
}

export function contextFrom(statuses: readonly StackStatus[], runs: readonly RunRecord[]): StackContext {
  const stacks: Topology['stacks'] = {};
  const watched: WatchedStack[] = [];
  // The links between stacks come from the stack graph (their StackReferences and declared dependencies).
  const graph = graphOfStatuses(statuses);
  for (const s of statuses) {
    const contract = StackContractSchema.safeParse(s.outputs?.homeostat);
    if (!contract.success) continue;
    stacks[s.stackKey] = { contract: contract.data, dependsOn: directDependenciesOf(graph, s.stackKey) };
    watched.push({ stackKey: s.stackKey, healthSignals: contract.data.healthSignals, alarms: contract.data.alarms });
  }
  return { topology: TopologySchema.parse({ stacks }), watched, deployments: deploymentsFromRuns(runs) };
}
