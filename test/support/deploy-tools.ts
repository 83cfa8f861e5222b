import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../orchestrator/runtime/toolchain.ts';

const DeployPinsSchema = z.object({
  homeostat: z.object({
    deploy: z.object({ helmVersion: z.string(), kubernetesVersion: z.string(), prometheusOperatorVersion: z.string() }),
  }),
});

/** The tools scripts/setup.sh (step 6) puts under $HOMEOSTAT_CACHE/deploy-tools, found the same way. */
export interface DeployTools {
  helmVersion: string;
  kubernetesVersion: string;
  /** The helm binary. */
  helm: string;
  /** The Kubernetes API's OpenAPI (v2) schema of the pinned version. */
  kubernetesSchema: string;
  /** prometheus-operator's ServiceMonitor CRD. */
  serviceMonitorCrd: string;
  /** BuildKit's Dockerfile parser, built from scripts/dockerfile-check as it is now. */
  dockerfileCheck: string;
}

export function deployTools(env: NodeJS.ProcessEnv = process.env): DeployTools {
  const pins = DeployPinsSchema.parse(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'))).homeostat.deploy;
  const dir = join(env.HOMEOSTAT_CACHE ?? join(homedir(), '.cache', 'homeostat'), 'deploy-tools');
  // Keyed by its source as setup.sh keys it (hash_of: sha256 of the files in a row, 16 hex digits).
  const source = ['go.mod', 'go.sum', 'main.go'].map((f) => readFileSync(join(PROJECT_ROOT, 'scripts', 'dockerfile-check', f)));
  const checkerHash = createHash('sha256').update(Buffer.concat(source)).digest('hex').slice(0, 16);
  return {
    helmVersion: pins.helmVersion,
    kubernetesVersion: pins.kubernetesVersion,
    helm: join(dir, `helm-${pins.helmVersion}`, 'helm'),
    kubernetesSchema: join(dir, `kubernetes-${pins.kubernetesVersion}`, 'swagger.json'),
    serviceMonitorCrd: join(dir, `prometheus-operator-${pins.prometheusOperatorVersion}`, 'servicemonitors.yaml'),
    dockerfileCheck: join(dir, `dockerfile-check-${checkerHash}`, 'dockerfile-check'),
  };
}

/** Why a deploy check cannot run here, or undefined when every file it needs is present. */
export function missingTool(files: string[]): string | undefined {
  const missing = files.filter((f) => !existsSync(f));
  return missing.length > 0 ? `missing ${missing.join(', ')}: run 'npm run setup' with Go installed` : undefined;
}
