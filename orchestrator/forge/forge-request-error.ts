/**
 * A forge's API refused a request or could not be reached. The message names
 * the forge, the method and the path, the status and what the forge said,
 * with the token cut out wherever it appears: these errors reach the
 * remediation record, the timeline and the log.
 */
export class ForgeRequestError extends Error {
  override readonly name = 'ForgeRequestError';
  constructor(
    readonly forge: string,
    readonly method: string,
    readonly path: string,
    /** The HTTP status; undefined when no answer came. */
    readonly status: number | undefined,
    detail: string,
    token: string,
  ) {
    super(withoutSecret(`${forge} API ${method} ${path} ${status === undefined ? 'failed' : `answered ${status}`}: ${detail.slice(0, 300)}`, token));
  }
}

/** `text` with every occurrence of `secret` replaced. */
export function withoutSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/** What an error response says, in one line: its `message` or `error` field when it is JSON, else its text. */
export function answerDetail(text: string): string {
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object') {
      const { message, error } = json as Record<string, unknown>;
      const said = message ?? error;
      if (said !== undefined) return typeof said === 'string' ? said : JSON.stringify(said);
    }
  } catch {
    // not JSON: the text itself
  }
  return text.replace(/\s+/g, ' ').trim() || '(no body)';
}
