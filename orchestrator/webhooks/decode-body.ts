/** How a forge may encode its JSON payload. */
export interface BodyEncodings {
  /** Forge name for messages. */
  label: string;
  /**
   * Whether the forge can send `application/x-www-form-urlencoded` with the JSON in a
   * `payload` field AND signs that raw form body (GitHub does). Gitea also sends form
   * bodies, but signs the JSON inside, not the bytes received, so it is not accepted.
   */
  formPayload: boolean;
}

export type DecodedBody =
  | { ok: true; json: unknown }
  | { ok: false; reason: 'unsupported-content-type' | 'malformed-json'; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON document in a webhook body. Runs only after the signature over the raw
 * bytes has been verified.
 */
export function decodeBody(contentType: string | undefined, rawBody: Uint8Array, encodings: BodyEncodings): DecodedBody {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  const accepted = encodings.formPayload ? 'application/json or application/x-www-form-urlencoded' : 'application/json';
  if (mediaType === undefined || mediaType === '') {
    return { ok: false, reason: 'unsupported-content-type', message: `no Content-Type header: expected ${accepted}` };
  }

  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    return { ok: false, reason: 'malformed-json', message: 'body is not valid UTF-8' };
  }

  if (mediaType === 'application/json') return parseJson(text, 'body');
  if (mediaType === 'application/x-www-form-urlencoded' && encodings.formPayload) {
    const payloads = new URLSearchParams(text).getAll('payload');
    const [payload] = payloads;
    if (payload === undefined || payloads.length !== 1) {
      return { ok: false, reason: 'malformed-json', message: 'form body must have exactly one `payload` field holding the JSON' };
    }
    return parseJson(payload, 'form field `payload`');
  }
  const hint = mediaType === 'application/x-www-form-urlencoded'
    ? `; set the ${encodings.label} webhook's content type to application/json`
    : '';
  return {
    ok: false,
    reason: 'unsupported-content-type',
    message: `content type ${JSON.stringify(mediaType.slice(0, 100))} is not accepted from ${encodings.label}: expected ${accepted}${hint}`,
  };
}

function parseJson(text: string, what: string): DecodedBody {
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch {
    // JSON.parse's own message quotes the input; it is left out so that nothing from the body is echoed.
    return { ok: false, reason: 'malformed-json', message: `${what} is not valid JSON` };
  }
}
