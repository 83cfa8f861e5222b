import { z } from 'zod';
import { StackChangeSchema } from '../changes/stack-resources.ts';
import { IncidentSchema } from '../correlate/incident.ts';
import { TopologySchema } from '../correlate/topology.ts';
import { TraceGraphSchema } from '../traces/trace-graph.ts';
import { DeploymentChangeSchema, DeploymentSchema } from './deployment.ts';
import { LogTemplateEvidenceSchema } from './log-template.ts';
import { SignalSeriesSchema } from './signal-series.ts';

export const CauseKindSchema = z.enum(['deployment', 'config-change', 'saturation', 'dependency', 'manual-change', 'unknown']);
export type CauseKind = z.infer<typeof CauseKindSchema>;

/** One suspected cause of an incident, with what it rests on. */
export const ProbableCauseSchema = z.object({
  kind: CauseKindSchema,
  /** In [0, 1]; comparable across kinds (see the rule files for how each is computed). */
  confidence: z.number().min(0).max(1),
  /** Facts behind the suspicion, one line each, with the values and commit. */
  evidence: z.array(z.string()),
  /** The stack the cause sits on. */
  stackKey: z.string().optional(),
  /** For deployment and config-change: the commit applied. */
  commit: z.string().optional(),
  /** For deployment and config-change: what the commit changed. */
  diff: z.array(DeploymentChangeSchema).optional(),
  /** For saturation: the health signal that is (or is forecast to be) full. */
  signalId: z.string().optional(),
  /**
   * For saturation: the signal is not full yet, but forecast to be within the horizon (a predicted
   * incident). A change made on it is proactive. Absent: observed.
   */
  predicted: z.boolean().optional(),
  /** For manual-change: the change event, who made it and what it changed. */
  changeEvent: z
    .object({ id: z.string(), at: z.number(), principal: z.string(), eventName: z.string(), resources: z.array(z.string()), parameters: z.record(z.string(), z.unknown()) })
    .optional(),
  /** For dependency: the id of the dependency's incident. */
  dependencyIncident: z.string().optional(),
  /** For dependency seen in traces: the slow service (the callee), which may share a stack with its caller. */
  service: z.string().optional(),
  /** Why this could be the cause, in a sentence. */
  explanation: z.string(),
  /** What a person should look at to confirm or rule it out. */
  check: z.string(),
});
export type ProbableCause = z.infer<typeof ProbableCauseSchema>;

export interface Diagnosis {
  incidentId: string;
  /** Most confident first; always ends with (or contains) an `unknown` fallback. */
  causes: ProbableCause[];
  /** A few lines a person can check. */
  summary: string;
}

/** Everything diagnosis may look at besides the incident itself. */
export const DiagnosisContextSchema = z.object({
  topology: TopologySchema,
  /** Recent deployments, for example from {@link deploymentsFromRuns}. */
  deployments: z.array(DeploymentSchema).optional(),
  /** Other incidents, open or recently resolved (the dependency rule looks for a dependency's). */
  incidents: z.array(IncidentSchema).optional(),
  /** Recent values of the stacks' health signals (the saturation rule reads levels and demand baselines). */
  recentValues: z.array(SignalSeriesSchema).optional(),
  /** Log templates of the incident's stacks around its time (the deployment rule reads new error templates). */
  logTemplates: z.array(LogTemplateEvidenceSchema).optional(),
  /** The recent service graph from traces (the trace dependency rule reads its edges' latency). */
  traces: TraceGraphSchema.optional(),
  /** Recent changes made outside Git to the stacks' resources (change events; the manual-change rule reads them). */
  changes: z.array(StackChangeSchema).optional(),
});
export type DiagnosisContext = z.infer<typeof DiagnosisContextSchema>;
