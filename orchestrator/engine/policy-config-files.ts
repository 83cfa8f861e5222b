import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `fn` with the `--policy-pack-config` files of a run: one per pack
 * (each pack reads the entries of its own policies from it), written to a
 * temporary folder removed afterwards; none without config or packs.
 */
export async function withPolicyConfig<T>(packs: readonly string[], config: Record<string, Record<string, unknown>> | undefined, fn: (files: string[]) => Promise<T>): Promise<T> {
  if (!config || Object.keys(config).length === 0 || packs.length === 0) return fn([]);
  const dir = await mkdtemp(join(tmpdir(), 'homeostat-policy-'));
  try {
    const file = join(dir, 'policy-config.json');
    await writeFile(file, JSON.stringify(config));
    return await fn(packs.map(() => file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
