/**
 * Errors of the audit log, one small class each so callers tell them apart
 * with `instanceof` or by `name` (which survives a child process).
 */

/** The input to `append` failed validation; nothing was appended. */
export class InvalidAuditEntryError extends Error {
  override readonly name = 'InvalidAuditEntryError';
  /** Dotted paths of the offending fields, e.g. `['type', 'data.x']`. */
  readonly fields: string[];
  constructor(message: string, fields: string[]) {
    super(message);
    this.fields = fields;
  }
}

/**
 * Other writers kept winning the race for the head of the chain, for every
 * attempt `append` was allowed; nothing was appended. Transient: retry later.
 */
export class AuditAppendConflictError extends Error {
  override readonly name = 'AuditAppendConflictError';
}

/**
 * The head key and the list of entries disagree (an entry was removed, or the
 * head deleted), so appending would extend a chain already broken. Needs a
 * person: `homeostat audit verify` shows where.
 */
export class AuditLogCorruptError extends Error {
  override readonly name = 'AuditLogCorruptError';
}
