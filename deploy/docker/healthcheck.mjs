#!/usr/bin/env node
// The container's HEALTHCHECK: asks the HTTP API's /healthz on loopback and
// exits 0 when it answers 200, 1 otherwise (refused, timed out, any other
// status). Plain JavaScript with no dependencies, so it starts fast and needs
// neither tsx nor the config. The port is HOMEOSTAT_HEALTHCHECK_PORT, else
// HOMEOSTAT_LISTEN_PORT (the service's own override), else 8080; the path is
// HOMEOSTAT_HEALTHCHECK_PATH (default /healthz).
const env = process.env;
const port = Number(env.HOMEOSTAT_HEALTHCHECK_PORT || env.HOMEOSTAT_LISTEN_PORT || 8080);
const path = env.HOMEOSTAT_HEALTHCHECK_PATH || '/healthz';
const timeoutMs = Number(env.HOMEOSTAT_HEALTHCHECK_TIMEOUT_MS || 4000);

if (!Number.isInteger(port) || port < 1 || port > 65535 || !path.startsWith('/')) {
  console.error(`healthcheck: bad settings: port ${JSON.stringify(port)}, path ${JSON.stringify(path)}`);
  process.exit(1);
}

try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) {
    console.error(`healthcheck: ${path} answered ${res.status}`);
    process.exit(1);
  }
  process.exit(0);
} catch (err) {
  console.error(`healthcheck: ${path} on port ${port}: ${err instanceof Error ? (err.cause?.code ?? err.message) : String(err)}`);
  process.exit(1);
}
