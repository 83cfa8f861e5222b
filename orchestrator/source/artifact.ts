import { z } from 'zod';

/**
 * What the source stage hands to every later stage: one commit of one
 * repository, checked out in a folder of its own. Later stages read files
 * from `dir` and never run git themselves.
 */
export const SourceArtifactSchema = z.object({
  /** Repository URL as configured (credentials never included). */
  repo: z.string(),
  /** Full commit id. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  /** Folder holding the checked-out commit. */
  dir: z.string(),
  /** Content digest of the commit's tree, for example `git-tree:4b825dc6…`. */
  digest: z.string(),
  /** The reusable checkout slot the artifact lives in, if any. */
  slot: z.string().optional(),
});
export type SourceArtifact = z.infer<typeof SourceArtifactSchema>;
