/**
 * What a failed CloudWatch call means for the poller, decided in one table:
 * throttled and transient errors are retried with backoff; an invalid query
 * is isolated (the call is split); anything else is persistent. Also turns
 * an error into text that is safe to show through the API. Pure.
 */

/** How the poller treats an error. */
export type ErrorKind = 'throttled' | 'transient' | 'invalid' | 'persistent';

/** The parts of an error the table looks at. */
export interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly httpStatus?: number;
  /** A Node network error code such as `ECONNRESET`. */
  readonly code?: string;
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled', 'RequestThrottledException', 'SlowDown']);
const TRANSIENT = new Set(['InternalFailure', 'InternalServiceError', 'InternalServiceFault', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError', 'RequestAbortedError']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const INVALID = new Set(['ValidationError', 'InvalidParameterValue', 'InvalidParameterValueException', 'InvalidParameterCombination', 'InvalidParameterCombinationException', 'MissingParameter', 'MissingRequiredParameterException', 'InvalidFormat']);

/** The kind of an error, by name first, then HTTP status, then network code. */
export function classifyError(f: ErrorFacts): ErrorKind {
  if (THROTTLING.has(f.name) || f.httpStatus === 429) return 'throttled';
  if (TRANSIENT.has(f.name) || (f.httpStatus !== undefined && f.httpStatus >= 500)) return 'transient';
  if ((f.code !== undefined && NETWORK.has(f.code)) || NETWORK.has(f.name)) return 'transient';
  if (INVALID.has(f.name)) return 'invalid';
  return 'persistent';
}

export function isRetryable(kind: ErrorKind): boolean {
  return kind === 'throttled' || kind === 'transient';
}

function field(err: object, key: string): unknown {
  return (err as Record<string, unknown>)[key];
}

/** Reads the facts from anything thrown: an SDK ServiceException, a Node system error, or a plain value. */
export function errorFacts(err: unknown): ErrorFacts {
  if (err === null || typeof err !== 'object') return { name: 'Error', message: String(err) };
  const name = field(err, 'name');
  const message = field(err, 'message');
  const metadata = field(err, '$metadata');
  const status = metadata !== null && typeof metadata === 'object' ? field(metadata, 'httpStatusCode') : undefined;
  const code = field(err, 'code');
  const cause = field(err, 'cause');
  const causeCode = cause !== null && typeof cause === 'object' ? field(cause, 'code') : undefined;
  const netCode = typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : undefined;
  return {
    name: typeof name === 'string' && name !== '' ? name : 'Error',
    message: typeof message === 'string' ? message : '',
    ...(typeof status === 'number' ? { httpStatus: status } : {}),
    ...(netCode !== undefined ? { code: netCode } : {}),
  };
}

/** Longest error text kept for the API. */
export const MAX_ERROR_TEXT = 300;

/**
 * Removes anything that looks like a credential from a message: access key
 * ids, signatures, session tokens, secret-looking `key=value` pairs and
 * URL user-info. Errors are shown through the API and must never leak them.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g, '[redacted]')
    .replace(/((?:Credential|Signature|SignedHeaders|X-Amz-Security-Token|X-Amz-Credential|X-Amz-Signature|x-amz-security-token|aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken|password|token)\s*[=:]\s*)("[^"]*"|[^\s,;&"]+)/gi, '$1[redacted]')
    .replace(/(\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1[redacted]@')
    .replace(/(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*\d)(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g, '[redacted]');
}

/** `Name: message`, secrets removed, cut to {@link MAX_ERROR_TEXT} characters. */
export function errorText(f: ErrorFacts): string {
  const status = f.httpStatus !== undefined ? ` (HTTP ${f.httpStatus})` : '';
  const text = redactSecrets(`${f.name}${status}: ${f.message || f.code || 'no message'}`).replace(/\s+/g, ' ').trim();
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text;
}
