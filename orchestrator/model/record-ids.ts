import { z } from 'zod';
import { parseStackKey } from './stack-key.ts';

/**
 * The ids of the records the API serves, as their makers write them. They
 * reach Redis keys and the dashboard's URLs, so each is a fixed character set
 * with no `..`, `/` of its own or control byte, checked at the boundary.
 */
export const RunIdSchema = z.string().max(120).regex(/^r-[A-Za-z0-9_-]+$/, 'a run id: r- followed by letters, digits, _ and -');

const ONSET = /^\d{8}T\d{4}Z$/;

/** `<stack key>@<onset bucket, YYYYMMDDTHHMMZ>`, as `incidentId` writes it. */
export const IncidentIdSchema = z
  .string()
  .max(300)
  .superRefine((id, ctx) => {
    const at = id.lastIndexOf('@');
    let ok = at > 0 && ONSET.test(id.slice(at + 1));
    if (ok) {
      try {
        parseStackKey(id.slice(0, at));
      } catch {
        ok = false;
      }
    }
    if (!ok) ctx.addIssue({ code: 'custom', message: 'an incident id: <repo>/<project>/<stack>@<YYYYMMDDTHHMMZ>' });
  });
