/** An error with the HTTP status to answer with; its message is the body's `error`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Refuses a body that names who acts. The person recorded is always the
 * authenticated principal; a `by` field is refused rather than ignored, so
 * that an old client learns why its name is not the one recorded.
 */
export function refuseBy(fields: Record<string, unknown>): void {
  if ('by' in fields) throw new HttpError(400, 'by: not accepted: the person recorded is the authenticated principal (the API token\'s name or the proxy\'s user); remove the field');
}

/** The status of an error: ours, or Fastify's own (unsupported media type, body too large, invalid JSON); else 500. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}
