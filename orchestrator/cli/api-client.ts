/** A small client of the service's HTTP API, for the CLI. */
export interface ApiClientOptions {
  /** Base URL of a running service; default `HOMEOSTAT_URL` or http://127.0.0.1:8080. */
  url?: string;
  /** Bearer token for mutating calls; default `HOMEOSTAT_API_TOKEN`. */
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

export function createApiClient(options: ApiClientOptions = {}) {
  const base = (options.url ?? process.env.HOMEOSTAT_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = options.token ?? process.env.HOMEOSTAT_API_TOKEN;
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ApiError(0, `cannot reach the service at ${base}: ${(err as Error).message} (is 'homeostat serve' running? set --url or HOMEOSTAT_URL)`);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) throw new ApiError(res.status, String(json.error ?? json.message ?? res.statusText));
    return json as T;
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body?: unknown) => call<T>('POST', path, body),
    put: <T>(path: string, body?: unknown) => call<T>('PUT', path, body),
  };
}
