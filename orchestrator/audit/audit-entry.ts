import { z } from 'zod';

/**
 * What an audit entry records. One decision of the loop usually yields a few
 * entries (proposal, guardrails, policy check, decision, commit or review,
 * applied, verified or rolled back), each carrying its own evidence in `data`.
 */
export const AUDIT_TYPES = [
  'proposal',
  'guardrails',
  'policy-check',
  'decision',
  'commit',
  'review-opened',
  'review-approved',
  'review-rejected',
  'applied',
  'verified',
  'rolled-back',
  'escalated',
  'no-action',
  'control-changed',
  /** A person removed a stack's engine locks by force. */
  'lock-cleared',
] as const;

export const AuditTypeSchema = z.enum(AUDIT_TYPES);
export type AuditType = z.infer<typeof AuditTypeSchema>;

/** A sha256 digest in lower-case hex, as the chain stores it. */
export const HashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex characters');

/** The `prevHash` of entry 1: the chain starts from all zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * What a caller appends. Strict on purpose: an unknown top-level key (say
 * `confidence`) is an error naming it, not evidence silently dropped; such
 * evidence belongs in `data`.
 */
export const AuditEntryInputSchema = z.strictObject({
  type: AuditTypeSchema,
  /** Who decided: `homeostat` (the default) for the loop, a person's name for review decisions. */
  actor: z.string().min(1).default('homeostat'),
  stackKey: z.string().min(1).optional(),
  incidentId: z.string().min(1).optional(),
  playbook: z.string().min(1).optional(),
  commit: z.string().min(1).optional(),
  /** One line for people; the evidence goes in `data`. */
  summary: z.string().min(1),
  /**
   * The evidence: proposal, causes, confidence, guardrails checked, policy
   * result, preview summary, decision, pull request URL, verification
   * outcome. Default `{}`. Secrets are redacted before it is stored.
   */
  data: z.record(z.string(), z.unknown()).default({}),
});

/** The input as callers write it (`actor` and `data` may be left out). */
export type AuditEntryInput = z.input<typeof AuditEntryInputSchema>;

/**
 * A stored entry: the input plus its place in the chain. `hash` is
 * `sha256(prevHash + '\n' + canonicalJson(entry without hash))`
 * (see `entryHash` in audit-chain.ts). Strict as well, so a key added to a
 * stored entry in Redis is reported by `verify`, not stripped and missed.
 */
export const AuditEntrySchema = AuditEntryInputSchema.extend({
  /** Position in the log, from 1, without gaps. */
  seq: z.number().int().min(1),
  /** ISO time the entry was appended. */
  at: z.iso.datetime(),
  /** Hash of the previous entry; `GENESIS_HASH` for entry 1. */
  prevHash: HashSchema,
  hash: HashSchema,
});
export type AuditEntry = z.output<typeof AuditEntrySchema>;

/** A stored entry before its hash is computed. */
export type UnhashedAuditEntry = Omit<AuditEntry, 'hash'>;

/** A value that survives JSON unchanged: what the log stores and hashes. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The fields one zod issue is about; an unknown key is named by itself (zod reports it on the object that holds it). */
function fieldsOf(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.');
  return issue.code === 'unrecognized_keys' ? issue.keys.map((k) => at([...issue.path, k])) : [at(issue.path) || '(entry)'];
}

/** The dotted path of every field a zod error is about, e.g. `['type', 'data.x']`. */
export function issueFields(error: z.ZodError): string[] {
  return error.issues.flatMap(fieldsOf);
}

/** `type: Invalid option…; confidence: Unrecognized key…`: every zod issue with the path of its field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${fieldsOf(i).join(', ')}: ${i.message}`).join('; ');
}
