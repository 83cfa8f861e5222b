import { readFileSync } from 'node:fs';

/** A small client of the service's HTTP API, for the CLI. */
export interface ApiClientOptions {
  /** Base URL of a running service; default `HOMEOSTAT_URL` or http://127.0.0.1:8080. */
  url?: string;
  /** API token, sent as `Authorization: Bearer` on every call; none when undefined (a service with `auth: none`). */
  token?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The caller's API token: the file named by `--token-file`, else the
 * `HOMEOSTAT_TOKEN` environment variable; undefined when neither is given.
 * A file keeps the token out of the shell's history and the process list.
 */
export function readApiToken(options: { tokenFile?: string; env?: NodeJS.ProcessEnv } = {}): string | undefined {
  if (options.tokenFile) {
    let text: string;
    try {
      text = readFileSync(options.tokenFile, 'utf8');
    } catch (err) {
      throw new Error(`--token-file: cannot read ${options.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
    }
    const token = text.trim();
    if (!token) throw new Error(`--token-file: ${options.tokenFile} is empty`);
    return token;
  }
  const env = options.env ?? process.env;
  return env.HOMEOSTAT_TOKEN?.trim() || undefined;
}

export function createApiClient(options: ApiClientOptions = {}) {
  const base = (options.url ?? process.env.HOMEOSTAT_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = options.token;
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    // Every mutation carries a JSON body (the service refuses any other), `{}` when there is nothing to say.
    const payload = method === 'GET' ? undefined : JSON.stringify(body ?? {});
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(payload !== undefined ? { body: payload } : {}),
      });
    } catch (err) {
      throw new ApiError(0, `cannot reach the service at ${base}: ${(err as Error).message} (is 'homeostat serve' running? set --url or HOMEOSTAT_URL)`);
    }
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { error: text.slice(0, 200) };
    }
    if (res.status === 401) throw new ApiError(401, `${String(json.error ?? 'unauthorized')}${token ? '' : ' (set HOMEOSTAT_TOKEN or --token-file)'}`);
    if (!res.ok) throw new ApiError(res.status, String(json.error ?? json.message ?? res.statusText));
    return json as T;
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body?: unknown) => call<T>('POST', path, body),
    put: <T>(path: string, body?: unknown) => call<T>('PUT', path, body),
  };
}
