import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { appliedCommitOf, type HistoryEntry } from '../../orchestrator/engine/applied-commit.ts';
import type { Span } from './load-checks.ts';

/**
 * A stack's update history read straight from a file backend's folder
 * (`.pulumi/history/<project>/<stack>/*.history.json`), rather than through
 * one engine process per stack: the bench reads dozens of stacks at once, and
 * the engine's own history entries carry no start and end times.
 */
const HistoryFileSchema = z.object({
  kind: z.string(),
  result: z.string(),
  message: z.string().default(''),
  // Unix seconds, as the engine writes them.
  startTime: z.number(),
  endTime: z.number(),
});

export interface BackendHistory {
  /** The commit Homeostat last applied, as the engine's update messages say. */
  applied: string | undefined;
  /** Start and end of each update (seconds). */
  updates: Span[];
}

export function readBackendHistory(backendDir: string, project: string, stack: string): BackendHistory {
  const dir = join(backendDir, '.pulumi', 'history', project, stack);
  if (!existsSync(dir)) return { applied: undefined, updates: [] };
  // Files are named `<stack>-<unix ns at save>.history.json`: that order is finer than the entries' seconds.
  const savedAt = (f: string) => BigInt(/-(\d+)\.history\.json$/.exec(f)?.[1] ?? '0');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.history.json'))
    .sort((a, b) => (savedAt(b) > savedAt(a) ? 1 : savedAt(b) < savedAt(a) ? -1 : 0));
  const entries = files.map((f) => HistoryFileSchema.parse(JSON.parse(readFileSync(join(dir, f), 'utf8'))));
  const newestFirst: HistoryEntry[] = entries;
  return {
    applied: appliedCommitOf(newestFirst),
    updates: entries.filter((e) => e.kind === 'update').map((e) => ({ start: e.startTime, end: e.endTime })),
  };
}
