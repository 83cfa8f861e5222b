import { z } from 'zod';

/**
 * Names one stack of one project of one watched repository, for example
 * `infra/./sandbox` (repository id `infra`, project at the root). Used in
 * Redis keys, job ids and the API; it never contains `:`, which BullMQ
 * forbids in job ids.
 */
// A name starts with a letter or digit, so `.` and `..` (and hidden names) are never one.
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const name = (what: string) => z.string().regex(NAME, `${what}: letters, digits, '_', '.' and '-', starting with a letter or digit`);

export const StackIdSchema = z.object({
  /** Id of the watched repository in the service config. */
  repo: name('repository id'),
  /**
   * Project folder in the repository ('' for the root): relative, one or
   * more names joined by `/`, so that it can never leave the checkout.
   */
  project: z.string().refine((p) => p === '' || p.split('/').every((segment) => NAME.test(segment)), {
    message: "project folder: names joined by '/', each starting with a letter or digit (no '..', no absolute path)",
  }),
  stack: name('stack name'),
});
export type StackId = z.infer<typeof StackIdSchema>;

export function stackKey(id: StackId): string {
  return `${id.repo}/${id.project === '' ? '.' : id.project}/${id.stack}`;
}

export function parseStackKey(key: string): StackId {
  const first = key.indexOf('/');
  const last = key.lastIndexOf('/');
  if (first < 0 || first === last) throw new Error(`not a stack key: ${key} (expected <repo>/<project>/<stack>)`);
  const project = key.slice(first + 1, last);
  const parsed = StackIdSchema.safeParse({ repo: key.slice(0, first), project: project === '.' ? '' : project, stack: key.slice(last + 1) });
  if (!parsed.success) throw new Error(`not a stack key: ${key}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** A stack key in its text form, as the API and the records carry it. */
export const StackKeySchema = z.string().max(300, 'a stack key of at most 300 characters').superRefine((key, ctx) => {
  try {
    parseStackKey(key);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
