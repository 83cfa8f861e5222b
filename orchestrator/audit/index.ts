/** The audit log: what Homeostat decided, on what evidence, in a hash chain. */
export {
  AUDIT_TYPES,
  AuditEntryInputSchema,
  AuditEntrySchema,
  AuditTypeSchema,
  GENESIS_HASH,
  HashSchema,
  describeIssues,
  issueFields,
  type AuditEntry,
  type AuditEntryInput,
  type AuditType,
  type JsonValue,
  type UnhashedAuditEntry,
} from './audit-entry.ts';
export { canonicalJson, entryHash, verifyChain, type VerifyChainOptions, type VerifyResult } from './audit-chain.ts';
export { AuditAppendConflictError, AuditLogCorruptError, InvalidAuditEntryError } from './audit-errors.ts';
export { createAuditLog, type AuditListOptions, type AuditLog, type AuditLogOptions } from './audit-log.ts';
export { REDACTED, isSecretKey, redactSecrets } from './redact.ts';
export { formatAuditEntries, formatVerifyResult } from './format.ts';
