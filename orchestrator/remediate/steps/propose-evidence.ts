import type { PlaybookInput } from '../../../remediations/index.ts';
import type { StackContract } from '../../../stacks/contract.ts';
import type { Incident } from '../../correlate/index.ts';
import type { IncidentRecord } from '../../correlate/incident-store.ts';
import { analysisOf, readDeployRecords } from '../../diagnose/diagnose-runner.ts';
import type { ProbableCause } from '../../diagnose/index.ts';
import { parseStackKey } from '../../model/stack-key.ts';
import { stackConfigFileOf } from '../../plan/project-layout.ts';
import { checkSignal, type SignalWindow } from '../../verify/verify-effect.ts';
import type { RemediationRecord } from '../remediation-record.ts';
import { repoOf, type RemediationRepo, type StepContext } from './step-context.ts';

/**
 * What the propose step reads before the playbooks run: whether the
 * incident already ended by itself, and the playbooks' input (the
 * incident's diagnosis and context as the correlate worker stored them, or
 * made again when their inputs moved; the stack's recent values and its
 * config file's path).
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

/**
 * The playbooks' input for this incident: its causes and context as stored
 * with it, while the data, the deploy records and the other incidents are
 * as they were when it was diagnosed; made again when any of them moved.
 */
export async function playbookInput(ctx: StepContext, rec: RemediationRecord, record: IncidentRecord, contract: StackContract): Promise<{ input: PlaybookInput; causes: ProbableCause[]; dependents: string[] }> {
  const { deps } = ctx;
  const { causes, analysis, values } = await analysisOf(deps, record, await readDeployRecords(deps.runs));
  const id = parseStackKey(rec.stackKey);
  const configFile = await stackConfigFileAtHead(ctx, repoOf(ctx, rec), id.project, id.stack);
  const input: PlaybookInput = {
    incident: record.incident,
    causes,
    stack: { stackKey: rec.stackKey, contract, configFile },
    deployments: analysis.context.deployments.filter((d) => d.stackKey === rec.stackKey),
    recentValues: values.filter((v) => v.stackKey === rec.stackKey),
  };
  // The stacks a change here reaches, from the links their last applies recorded.
  return { input, causes, dependents: analysis.context.dependents[rec.stackKey] ?? [] };
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
