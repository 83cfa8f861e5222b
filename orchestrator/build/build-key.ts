import { createHash } from 'node:crypto';

/**
 * Raised whenever what the builder writes changes (esbuild options, the tsx
 * stand-in, the layout of a built folder), so that no cached build made the
 * old way is reused.
 */
export const BUILD_OPTIONS_VERSION = 2;

/** What a compiled build is made from: nothing else goes into its output. */
export interface BuildInputs {
  /** What is compiled: `program` (ESM) or `policy-pack` (CommonJS). */
  kind: 'program' | 'policy-pack';
  /** Content digest of the sources (a commit's tree, `git-tree:…`, or a pack folder's digest). */
  sourceDigest: string;
  /** The entry, relative to the source's root (the repository for a commit's tree). */
  entry: string;
  esbuildVersion: string;
  optionsVersion?: number;
}

/**
 * The cache key of a build: the same sources, entry and compiler give the
 * same key wherever the sources are checked out, so a second stack of the
 * same commit, or the same commit fetched again, reuses the first build.
 */
export function buildKey(inputs: BuildInputs): string {
  const parts = [inputs.kind, inputs.sourceDigest, inputs.entry.replace(/^\.\//, ''), `esbuild@${inputs.esbuildVersion}`, `options@${inputs.optionsVersion ?? BUILD_OPTIONS_VERSION}`];
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}
