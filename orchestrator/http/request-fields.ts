import type { z } from 'zod';
import { HttpError } from './http-error.ts';

/**
 * A path or query field checked against its schema before any store sees
 * it: a 400 that names the field and says what was expected.
 */
export function requestField<T>(name: string, value: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** As `requestField`, for a filter that may be left out (absent or empty means no filter). */
export function optionalField<T>(name: string, value: unknown, schema: z.ZodType<T>): T | undefined {
  return value === undefined || value === '' ? undefined : requestField(name, value, schema);
}

/** The fields of a JSON body, or 400 when it is not an object. */
export function fieldsOf(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'body: expected a JSON object');
  return body as Record<string, unknown>;
}
