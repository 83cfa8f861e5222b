import type { PlaybookInput } from '../../../remediations/index.ts';
import type { StackContract } from '../../../stacks/contract.ts';
import type { Incident } from '../../correlate/index.ts';
import { contextFrom } from '../../correlate/stack-context.ts';
import { withTraceLinks } from '../../correlate/trace-topology.ts';
import { diagnose, type ProbableCause, type SignalSeries } from '../../diagnose/index.ts';
import { dependentsOf, graphOfStatuses } from '../../graph/stack-graph.ts';
import { parseStackKey } from '../../model/stack-key.ts';
import { stackConfigFileOf } from '../../plan/project-layout.ts';
import { seriesOf } from '../../telemetry/index.ts';
import { checkSignal, type SignalWindow } from '../../verify/verify-effect.ts';
import type { RemediationRecord } from '../remediation-record.ts';
import { newestPoint, repoOf, type RemediationRepo, type StepContext } from './step-context.ts';

/**
 * What the propose step reads before the playbooks run: whether the
 * incident already ended by itself, and the playbooks' input (a fresh
 * diagnosis, the stack's recent values and its config file's path).
 */

/**
 * Whether every abnormal signal of the incident is back near its level
 * before the onset, judged on the points after its last anomaly (at least
 * three). A second incident about a problem already fixed ends here.
 */
export async function recoveredSince(ctx: StepContext, incident: Incident, contract: StackContract): Promise<string | undefined> {
  const windows: SignalWindow[] = [];
  for (const s of incident.signals) {
    const signal = contract.healthSignals.find((h) => h.id === s.signalId);
    // Demand is the world, not the stack's health: it may stay high after a fix.
    if (!signal || signal.role === 'demand' || s.stackKey !== incident.stackKey) continue;
    const points = await ctx.deps.incidents.recent(s.seriesId);
    const after = points.filter((p) => p.timestamp > incident.lastAbnormalAt).map((p) => p.value).slice(-5);
    if (after.length < 3) return undefined;
    windows.push({
      effect: { signalId: s.signalId, direction: signal.higherIsWorse ? 'down' : 'up' },
      before: points.filter((p) => p.timestamp < incident.onsetAt).map((p) => p.value),
      during: points.filter((p) => p.timestamp >= incident.onsetAt && p.timestamp <= incident.lastAbnormalAt).map((p) => p.value),
      after,
    });
  }
  const checks = windows.map((w) => checkSignal(w, { settlePoints: 0 }));
  return checks.length > 0 && checks.every((c) => c.verdict === 'improved') ? checks.map((c) => c.note).join('; ') : undefined;
}

/** The playbooks' input for this incident, with the causes of a diagnosis made again on the newest data. */
export async function playbookInput(ctx: StepContext, rec: RemediationRecord, incident: Incident, contract: StackContract): Promise<{ input: PlaybookInput; causes: ProbableCause[]; dependents: string[] }> {
  const { deps } = ctx;
  const [statuses, runs] = await Promise.all([deps.runs.statuses(), deps.runs.list({ limit: 200 })]);
  const stackContext = contextFrom(statuses, runs);
  const recentValues: SignalSeries[] = [];
  for (const spec of seriesOf(stackContext.watched.filter((w) => w.stackKey === rec.stackKey))) {
    recentValues.push({ stackKey: spec.stackKey, signalId: spec.signalId, points: await deps.incidents.recent(spec.seriesId) });
  }
  // Diagnose again with the data that arrived since the incident last changed: an open
  // incident lasts until now, even when its detectors got used to the new level.
  const newest = await newestPoint(ctx, incident.signals.map((s) => s.seriesId));
  const ongoing = { ...incident, lastAbnormalAt: Math.max(incident.lastAbnormalAt, newest) };
  const others = (await deps.incidents.list(50)).map((r) => r.incident).filter((i) => i.id !== rec.incidentId);
  // The same trace graph and links as the correlate worker's diagnosis, or the causes would differ from the incident's.
  const traces = await deps.traceGraph?.();
  const topology = withTraceLinks(stackContext.topology, traces);
  const { causes } = diagnose(ongoing, { topology, deployments: stackContext.deployments, incidents: others, recentValues, ...(traces ? { traces } : {}) }, deps.diagnosis);
  const id = parseStackKey(rec.stackKey);
  const configFile = await stackConfigFileAtHead(ctx, repoOf(ctx, rec), id.project, id.stack);
  const input: PlaybookInput = {
    incident,
    causes,
    stack: { stackKey: rec.stackKey, contract, configFile },
    deployments: stackContext.deployments.filter((d) => d.stackKey === rec.stackKey),
    recentValues,
  };
  // The stacks a change here reaches, from the links their last applies recorded.
  return { input, causes, dependents: dependentsOf(graphOfStatuses(statuses), rec.stackKey) };
}

/**
 * Where the stack's config file is on the deploy branch: its project's
 * `Pulumi.yaml` says (`stackConfigDir`), not a fixed `stacks/` folder.
 */
async function stackConfigFileAtHead(ctx: StepContext, repo: RemediationRepo, project: string, stack: string): Promise<string> {
  const head = await ctx.deps.git.head(repo, repo.deployBranch);
  const yamlPath = project ? `${project}/Pulumi.yaml` : 'Pulumi.yaml';
  const text = await ctx.deps.git.readFile(repo, head, yamlPath);
  if (text === undefined) throw new Error(`${yamlPath} is missing at ${head.slice(0, 12)} of ${repo.deployBranch}`);
  return stackConfigFileOf(project, text, stack);
}
