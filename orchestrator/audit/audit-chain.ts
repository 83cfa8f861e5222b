import { createHash } from 'node:crypto';
import { GENESIS_HASH, type AuditEntry, type UnhashedAuditEntry } from './audit-entry.ts';

/**
 * The hash chain: plain functions over entries, so the same code checks a
 * chain read from Redis, a page of it, or an export, and tests need no Redis.
 */

/**
 * JSON with object keys sorted at every level, so an entry hashes the same
 * however its keys were ordered when written or read back. Follows
 * `JSON.stringify` otherwise: `undefined` and functions are left out of
 * objects (and become `null` in arrays), `toJSON` is honoured, non-finite
 * numbers become `null`.
 */
export function canonicalJson(value: unknown): string {
  const out = canonical(value);
  return out === undefined ? 'null' : out;
}

function canonical(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonical(v) ?? 'null').join(',')}]`;
      const parts: string[] = [];
      // Code-unit order, not localeCompare: the hash must not depend on the machine's locale.
      for (const key of Object.keys(value).sort()) {
        const v = canonical((value as Record<string, unknown>)[key]);
        if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined; // undefined, function, symbol
  }
}

/** sha256 hex of `prevHash + '\n' + canonicalJson(entry)`; a `hash` key on the entry is ignored. */
export function entryHash(entry: UnhashedAuditEntry | AuditEntry): string {
  const { hash: _ignored, ...rest } = entry as AuditEntry;
  return createHash('sha256').update(`${rest.prevHash}\n${canonicalJson(rest)}`).digest('hex');
}

/** What checking a chain found: the whole chain sound, or its first broken entry. */
export type VerifyResult =
  | {
      ok: true;
      /** Entries checked. */
      count: number;
      /** Hash of the last entry (`GENESIS_HASH` for an empty log): write it down to anchor the chain. */
      head: string;
    }
  | {
      ok: false;
      /** The position (seq) of the first entry that is wrong or missing. */
      seq: number;
      problem: string;
    };

/** Where a slice of the chain starts; the defaults describe a whole log. */
export interface VerifyChainOptions {
  /** The `prevHash` the first entry must have; default `GENESIS_HASH`. */
  expectedFirstPrev?: string;
  /**
   * The seq the first entry must have; default 1 when `expectedFirstPrev`
   * is the genesis hash, otherwise the first entry's own seq.
   */
  expectedFirstSeq?: number;
}

/**
 * Checks that entries form an unbroken chain: seqs consecutive from the
 * expected start, each `prevHash` the hash of the entry before, each `hash`
 * matching its content. Stops at the first problem and names its position;
 * a deleted entry is reported at the seq that is missing, an edited one at
 * its own seq.
 */
export function verifyChain(entries: readonly AuditEntry[], options: VerifyChainOptions = {}): VerifyResult {
  let prev = options.expectedFirstPrev ?? GENESIS_HASH;
  const firstSeq = options.expectedFirstSeq ?? (prev === GENESIS_HASH ? 1 : (entries[0]?.seq ?? 1));
  for (const [i, entry] of entries.entries()) {
    const seq = firstSeq + i;
    if (entry.seq !== seq) {
      return { ok: false, seq, problem: `expected entry ${seq} here, found entry ${entry.seq} (entries missing, inserted or reordered)` };
    }
    if (entry.prevHash !== prev) {
      return { ok: false, seq, problem: `prevHash ${entry.prevHash.slice(0, 12)} is not the hash of the previous entry (${prev.slice(0, 12)})` };
    }
    const actual = entryHash(entry);
    if (entry.hash !== actual) {
      return { ok: false, seq, problem: `content does not match its hash (stored ${entry.hash.slice(0, 12)}, computed ${actual.slice(0, 12)}): the entry was changed` };
    }
    prev = entry.hash;
  }
  return { ok: true, count: entries.length, head: prev };
}
