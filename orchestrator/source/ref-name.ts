import { z } from 'zod';

/**
 * Git ref and branch names as `git check-ref-format` accepts them, checked
 * wherever a name arrives (webhook events, the API, the config) before it
 * reaches git, a path or a Redis key. A name that git would refuse, or that
 * reads as an option (`--upload-pack=…`), is refused with the rule it breaks.
 * Pure.
 */

/** Whether `text` holds a character below 0x20 or DEL (and, with `space`, a space). */
function hasControl(text: string, space: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (space && c === 0x20)) return true;
  }
  return false;
}

/** The rule a ref name breaks, or undefined when `git check-ref-format` would accept it. */
export function refNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return 'is longer than 255 characters';
  if (name.startsWith('-')) return "starts with '-' (it would read as an option)";
  if (name === '@') return "is '@'";
  if (hasControl(name, true)) return 'holds a space or a control character';
  const bad = /[~^:?*[\\]/.exec(name);
  if (bad) return `holds '${bad[0]}'`;
  if (name.includes('..')) return "holds '..'";
  if (name.includes('@{')) return "holds '@{'";
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return "has an empty part ('/' at either end, or '//')";
  if (name.endsWith('.')) return "ends with '.'";
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a part starting with '.' (${JSON.stringify(part)})`;
    if (part.endsWith('.lock')) return `has a part ending with '.lock' (${JSON.stringify(part)})`;
  }
  return undefined;
}

/** A branch name (`feature/scale`, `main`), as `git check-ref-format --branch` accepts it. */
export const BranchNameSchema = z.string().superRefine((name, ctx) => {
  const problem = refNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `not a valid branch name: ${problem}` });
});

/** A full ref (`refs/heads/main`, `refs/tags/v1`), as `git check-ref-format` accepts it. */
export const FullRefSchema = z.string().superRefine((name, ctx) => {
  if (!name.startsWith('refs/')) {
    ctx.addIssue({ code: 'custom', message: 'expected a full ref starting with refs/' });
    return;
  }
  // A branch's own name is held to the branch rules too: `refs/heads/-x` is a ref git accepts, but
  // `-x` would read as an option wherever the branch is named on a command line.
  const branch = name.startsWith('refs/heads/') ? name.slice('refs/heads/'.length) : undefined;
  const problem = refNameProblem(name) ?? (branch === undefined ? undefined : refNameProblem(branch));
  if (problem) ctx.addIssue({ code: 'custom', message: `not a valid ref: ${problem}` });
});

/** A commit id (full or abbreviated, lower-case hex) or a ref name: what may be resolved. */
export function revisionProblem(rev: string): string | undefined {
  if (/^[0-9a-f]{7,40}$/.test(rev)) return undefined;
  return refNameProblem(rev);
}

/**
 * A folder inside a checkout, given relative to the repository: no absolute
 * path, no `..` part, nothing that starts with '-'.
 */
export const RepoRelativePathSchema = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.startsWith('-') && p.split('/').every((part) => part !== '..') && !hasControl(p, false) && !p.includes('\\'), {
    message: "a folder inside the repository: relative, without '..' parts",
  });
