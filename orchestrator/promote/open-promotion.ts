import type { Promotion } from './promotion.ts';
import { waveOf, type WaveSpec } from './wave-match.ts';

/**
 * A new promotion for a commit of the deploy branch, from the stacks the
 * intake found it changes, each placed in its wave. Undefined when none of
 * them is in a wave after the first: nothing to hold back. Pure.
 */
export function openPromotion(input: { repo: string; commit: string; waves: readonly WaveSpec[]; soakMs: number; stackKeys: readonly string[]; now: number }): Promotion | undefined {
  const members = input.waves.map(() => [] as string[]);
  for (const key of input.stackKeys) {
    // A stack key is <repo>/<project>/<stack>; the project may hold slashes of its own.
    const first = key.indexOf('/');
    const last = key.lastIndexOf('/');
    if (first < 0 || first === last) continue;
    const i = waveOf(input.waves, key.slice(first + 1, last), key.slice(last + 1));
    if (i !== undefined) members[i]!.push(key);
  }
  if (!members.slice(1).some((m) => m.length > 0)) return undefined;
  return {
    repo: input.repo,
    commit: input.commit,
    createdAt: input.now,
    updatedAt: input.now,
    state: 'running',
    soakMs: input.soakMs,
    waves: input.waves.map((w, i) => ({ name: w.name, state: i === 0 ? 'applying' : 'waiting', stacks: members[i]!.sort(), baseline: [] })),
    resumes: [],
  };
}
