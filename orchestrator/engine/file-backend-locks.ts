import { readFile, readdir, rm } from 'node:fs/promises';
import { join, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineLockHolder } from './engine-lock.ts';

/**
 * The lock files of a stack on a file backend (`file://…`), the one kind of
 * self-managed backend whose locks can be listed and removed one by one.
 */

export function isFileBackend(backendUrl: string): boolean {
  return backendUrl.startsWith('file://');
}

/** Every lock file of `project`/`stack`, oldest name first. */
export async function listFileLocks(backendUrl: string, project: string, stack: string): Promise<EngineLockHolder[]> {
  const dir = join(fileURLToPath(backendUrl), '.pulumi', 'locks', 'organization', project, stack);
  const holders: EngineLockHolder[] = [];
  for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort()) {
    const where = join(dir, file);
    const raw = JSON.parse(await readFile(where, 'utf8').catch(() => '{}')) as { pid?: unknown; username?: unknown; hostname?: unknown; timestamp?: unknown };
    holders.push({ where, user: String(raw.username ?? '?'), host: String(raw.hostname ?? '?'), pid: Number(raw.pid ?? 0), since: String(raw.timestamp ?? '?') });
  }
  return holders;
}

/** Removes exactly these lock files, each only if it lies inside the backend's lock folder. */
export async function removeFileLocks(backendUrl: string, holders: readonly EngineLockHolder[]): Promise<void> {
  const locksDir = join(fileURLToPath(backendUrl), '.pulumi', 'locks') + sep;
  for (const h of holders) {
    const file = h.where.startsWith('file://') ? fileURLToPath(h.where) : h.where;
    if (!resolvePath(file).startsWith(locksDir)) throw new Error(`refusing to remove ${file}: not a lock file of backend ${backendUrl}`);
    await rm(file, { force: true });
  }
}
