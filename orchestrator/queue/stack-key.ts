import { z } from 'zod';

/**
 * Names one stack of one project of one watched repository, for example
 * `infra/./sandbox` (repository id `infra`, project at the root). Used in
 * Redis keys, job ids and the API; it never contains `:`, which BullMQ
 * forbids in job ids.
 */
export const StackIdSchema = z.object({
  /** Id of the watched repository in the service config. */
  repo: z.string().regex(/^[a-zA-Z0-9_.-]+$/),
  /** Project folder in the repository ('' for the root). */
  project: z.string().regex(/^[a-zA-Z0-9_./-]*$/),
  stack: z.string().regex(/^[a-zA-Z0-9_.-]+$/),
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
  return StackIdSchema.parse({ repo: key.slice(0, first), project: project === '.' ? '' : project, stack: key.slice(last + 1) });
}
