import type { Redis } from 'ioredis';
import { LogTemplateEvidenceSchema, type LogTemplateEvidence } from '../diagnose/log-template.ts';
import { mergeEvidence } from './log-evidence.ts';

/**
 * The log templates recorded as evidence, in Redis: one hash per stack, one
 * field per group and template, each a {@link LogTemplateEvidence}. Kept
 * apart from the incidents so the log stage writes it without the analysis
 * lease; the correlate worker copies what an incident needs into its record.
 */
export interface LogEvidenceStoreOptions {
  /** @defaultValue 'homeostat' */
  prefix?: string;
  /** Templates kept per stack; the least recent go first. @defaultValue 200 */
  maxPerStack?: number;
}

export function createLogEvidenceStore(redis: Redis, options: LogEvidenceStoreOptions = {}) {
  const prefix = options.prefix ?? 'homeostat';
  const max = options.maxPerStack ?? 200;
  const key = (stackKey: string) => `${prefix}:logs:evidence:${stackKey}`;
  const field = (e: LogTemplateEvidence) => `${e.group}\u0000${e.templateKey}`;

  async function read(stackKey: string): Promise<Map<string, LogTemplateEvidence>> {
    const raw = await redis.hgetall(key(stackKey));
    const out = new Map<string, LogTemplateEvidence>();
    for (const [f, v] of Object.entries(raw)) {
      const parsed = LogTemplateEvidenceSchema.safeParse(JSON.parse(v));
      if (parsed.success) out.set(f, parsed.data);
    }
    return out;
  }

  return {
    /** Records templates, merged with what is recorded of them (one writer: the log stage). */
    async record(entries: readonly LogTemplateEvidence[]): Promise<void> {
      for (const stackKey of new Set(entries.map((e) => e.stackKey))) {
        const kept = await read(stackKey);
        for (const e of entries.filter((x) => x.stackKey === stackKey)) kept.set(field(e), mergeEvidence(kept.get(field(e)), LogTemplateEvidenceSchema.parse(e)));
        const stale = [...kept].sort(([, a], [, b]) => b.at - a.at).slice(max).map(([f]) => f);
        const multi = redis.multi();
        for (const [f, v] of kept) if (!stale.includes(f)) multi.hset(key(stackKey), f, JSON.stringify(v));
        if (stale.length) multi.hdel(key(stackKey), ...stale);
        await multi.exec();
      }
    },
    /** Every template recorded for these stacks. */
    async forStacks(stackKeys: readonly string[]): Promise<LogTemplateEvidence[]> {
      const out: LogTemplateEvidence[] = [];
      for (const s of new Set(stackKeys)) out.push(...(await read(s)).values());
      return out;
    },
  };
}
export type LogEvidenceStore = ReturnType<typeof createLogEvidenceStore>;
