#!/usr/bin/env node
// The `homeostat` command: runs the TypeScript CLI through tsx, on Node.js 22
// or newer. Started by an older node (the shell's own, say 20), it hands
// itself over to the Node.js that `npm run setup` put in the cache, so the
// CLI, the service and the engine's programs never run on an unsupported
// runtime. Plain JavaScript that any node can parse.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_MAJOR = 22;

if (Number(process.versions.node.split('.')[0]) < MIN_MAJOR) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).homeostat.node.version;
  const cache = process.env.HOMEOSTAT_CACHE || join(homedir(), '.cache', 'homeostat');
  const node = join(cache, `node-v${pinned}`, 'bin', 'node');
  if (!existsSync(node)) {
    console.error(
      `homeostat: Node.js ${process.version} is too old (${MIN_MAJOR} or newer is needed) and ${node} is missing: run 'npm run setup' first`,
    );
    process.exit(2);
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // A signal sent to this process alone (a service manager's SIGTERM) reaches the CLI too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, as a shell expects.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
