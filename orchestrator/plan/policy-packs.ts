/**
 * Which policy packs a run enforces. The mandatory packs are pinned in the
 * service's config (folders outside any watched repository) and always run;
 * the commit's own packs run besides them. A commit can add rules with its
 * packs, but it cannot remove or weaken a pinned pack: deleting or editing
 * its copy of the pack changes nothing about what the pinned one enforces.
 * Pure: the caller reads the folders.
 */

/** A pack folder as found: where, and a digest of its files (undefined when the folder holds no pack). */
export interface PackFolder {
  /** Absolute folder. */
  path: string;
  /** Content digest of the pack's files; undefined when there is no pack there. */
  digest: string | undefined;
}

/** What a run records about its policy packs. */
export interface PolicyPackUse {
  /** The pinned packs' folders, all of which ran. */
  pinned: string[];
  /** The commit's pack folders (relative to the repository) that ran. */
  commit: string[];
  /** What differs between the commit's packs and the pinned ones, for people. */
  notes: string[];
}

export interface PolicyPackPlan {
  /** Folders to pass with `--policy-pack`, pinned first. */
  run: string[];
  use: PolicyPackUse;
}

/**
 * @param pinned the service's packs; each must hold a pack (checked at start-up).
 * @param commit the commit's configured packs, by folder relative to the repository.
 */
export function planPolicyPacks(pinned: readonly PackFolder[], commit: readonly (PackFolder & { relative: string })[]): PolicyPackPlan {
  const notes: string[] = [];
  const present = commit.filter((c) => c.digest !== undefined);
  for (const c of commit) {
    if (c.digest === undefined) notes.push(`the commit has no policy pack at ${c.relative}${pinned.length > 0 ? ': the pinned packs ran without it' : ''}`);
  }
  for (const p of pinned) {
    if (!present.some((c) => c.digest === p.digest)) {
      notes.push(
        present.length === 0
          ? `pinned pack ${p.path} ran; the commit carries no pack of its own`
          : `pinned pack ${p.path} ran; the commit's own ${present.map((c) => c.relative).join(', ')} differ${present.length === 1 ? 's' : ''} from it`,
      );
    }
  }
  // Without pinned packs a missing pack is still passed on: the engine refuses to run without it, as it always did.
  const own = pinned.length > 0 ? present : commit;
  return {
    run: [...pinned.map((p) => p.path), ...own.map((c) => c.path)],
    use: { pinned: pinned.map((p) => p.path), commit: present.map((c) => c.relative), notes },
  };
}
