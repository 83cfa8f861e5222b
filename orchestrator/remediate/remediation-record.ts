import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProposalSchema } from '../../remediations/proposal.ts';
import { GUARDRAIL_NAMES } from '../decide/guardrails.ts';

/**
 * One remediation: an incident's best proposal on its way through policy,
 * decision, Git, deploy and verification. Saved after every step, so a
 * worker that dies half-way leaves a record the next one resumes from.
 */
export const RemediationStateSchema = z.enum([
  /** Looking for a proposal, checking guardrails. */
  'proposing',
  /** The proposal's branch is being previewed with the policy packs. */
  'checking',
  /** Waiting for a person (a review item or pull request). */
  'review',
  /** Approved by a person; the merge is next. */
  'approved',
  /** Committed to the deploy branch; waiting for the deploy to apply it. */
  'committed',
  /** Applied; watching the named signals for the verification window. */
  'verifying',
  /** Final: verified as having helped. */
  'effective',
  /** Final: did not help, and was reverted. */
  'rolled-back',
  /** Final: did not help, and a person must act (rollback limit, or the revert could not be made). */
  'escalated',
  /** Final: refused (kill switch, mandatory policy, a person's rejection). */
  'rejected',
  /** Final: no playbook had anything to propose. */
  'no-action',
  /** Final: the deploy of the change failed. */
  'failed',
]);
export type RemediationState = z.infer<typeof RemediationStateSchema>;

export const FINAL_STATES: ReadonlySet<RemediationState> = new Set(['effective', 'rolled-back', 'escalated', 'rejected', 'no-action', 'failed']);

// The names evaluateGuardrails gives: what decide() reads back from the record.
const GuardrailResultSchema = z.object({ name: z.enum(GUARDRAIL_NAMES), passed: z.boolean(), reason: z.string(), onFail: z.enum(['review', 'reject']) });
const PolicyFindingSchema = z.object({ policy: z.string(), level: z.enum(['mandatory', 'advisory']), message: z.string() });

export const RemediationRecordSchema = z.object({
  /** `rm-<incident>`: one remediation per incident. */
  id: z.string(),
  incidentId: z.string(),
  stackKey: z.string(),
  repoId: z.string(),
  state: RemediationStateSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  playbook: z.string().optional(),
  proposal: ProposalSchema.optional(),
  /** The playbook's own confidence, and the one used (calibrated by its track record). */
  rawConfidence: z.number().optional(),
  confidence: z.number().optional(),
  guardrails: z.array(GuardrailResultSchema).optional(),
  policy: z.object({ passed: z.boolean(), violations: z.array(PolicyFindingSchema), runId: z.string().optional(), counts: z.record(z.string(), z.number()).default({}), planDigest: z.string().optional() }).optional(),
  decision: z.object({ decision: z.enum(['auto', 'review', 'reject']), reasons: z.array(z.string()), dryRun: z.boolean(), promoted: z.boolean().optional() }).optional(),
  /** Mode the change reached Git in: by itself, or through a person. */
  mode: z.enum(['auto', 'review']).optional(),
  branch: z.string().optional(),
  /** The proposal's commit on its branch (before it reached the deploy branch). */
  proposalCommit: z.string().optional(),
  /** The commit the engine previewed in the policy check that passed: what an approval may merge (by its tree). */
  checkedCommit: z.string().optional(),
  /** The commit on the deploy branch that carries the change (the proposal's, or the merge of a review). */
  commit: z.string().optional(),
  baseCommit: z.string().optional(),
  reviewId: z.string().optional(),
  pullRequest: z.object({ number: z.number(), url: z.string() }).optional(),
  deployRunId: z.string().optional(),
  appliedAt: z.string().optional(),
  /** Per series: the newest point's time when the change was applied; verification reads newer points. */
  watermarks: z.record(z.string(), z.number()).optional(),
  verification: z
    .object({ outcome: z.enum(['effective', 'not-effective']), summary: z.string(), signals: z.array(z.object({ signalId: z.string(), verdict: z.string(), note: z.string(), before: z.number().optional(), during: z.number().optional(), after: z.number().optional() })) })
    .optional(),
  revertCommit: z.string().optional(),
  /** Why it ended where it did, for the last step. */
  message: z.string().optional(),
  events: z.array(z.object({ at: z.string(), state: RemediationStateSchema, message: z.string() })).default([]),
});
export type RemediationRecord = z.infer<typeof RemediationRecordSchema>;

/**
 * A remediation id as {@link remediationIdOf} makes it: it names a Git branch
 * (`homeostat/<id>`), job ids and Redis keys, so one that arrives from outside
 * (a job read back, an API path) must have exactly this shape.
 */
export const RemediationIdSchema = z.string().max(200).regex(/^rm-[A-Za-z0-9_-]+$/, 'a remediation id: rm- followed by letters, digits, _ and -');

/** A review item's id (`rv-` and the remediation id's tail), checked the same way. */
export const ReviewIdSchema = z.string().max(200).regex(/^rv-[A-Za-z0-9_-]+$/, 'a review id: rv- followed by letters, digits, _ and -');

/** A proposal waiting for a person, as the API and the dashboard show it. */
export const ReviewItemSchema = z.object({
  id: z.string(),
  remediationId: z.string(),
  status: z.enum(['open', 'approved', 'rejected', 'superseded']),
  createdAt: z.string(),
  decidedAt: z.string().optional(),
  decidedBy: z.string().optional(),
  reason: z.string().optional(),
  stackKey: z.string(),
  repoId: z.string(),
  incidentId: z.string(),
  playbook: z.string(),
  title: z.string(),
  explanation: z.string(),
  confidence: z.number(),
  risk: z.string(),
  branch: z.string(),
  /** The branch's head when the item opened: the only commit approving it merges. */
  commit: z.string(),
  /** The commit whose policy check passed; `commit` carries its tree (with the policy result in its message). */
  checkedCommit: z.string().optional(),
  /** Why it was not applied automatically. */
  reasons: z.array(z.string()),
  pullRequest: z.object({ number: z.number(), url: z.string() }).optional(),
  mergedCommit: z.string().optional(),
});
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

/** Adds a step to the record's history and moves it to `state`. */
export function advance(record: RemediationRecord, state: RemediationState, message: string, at = new Date().toISOString()): RemediationRecord {
  return { ...record, state, message, updatedAt: at, events: [...record.events, { at, state, message }].slice(-50) };
}

/**
 * `rm-<incident id>-<hash>`: readable, with only the characters job ids and
 * Git branch names accept (no `..`, no `:`), and a short hash of the exact id
 * so that two incident ids that read alike stay apart.
 */
export function remediationIdOf(incidentId: string): string {
  const readable = incidentId.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return `rm-${readable}-${createHash('sha256').update(incidentId).digest('hex').slice(0, 8)}`;
}
