import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { deployTools } from './deploy-tools.ts';

const run = promisify(execFile);

/** One rendered Kubernetes object, loosely typed: tests read into it by path. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;

/** What helm said: exit code 0 and its output, or the code and the output of the failure. */
export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function helm(args: string[], values: object): Promise<HelmResult> {
  const dir = await mkdtemp(join(tmpdir(), 'homeostat-helm-'));
  try {
    // JSON is YAML: the values file is the object as it is.
    await writeFile(join(dir, 'values.json'), JSON.stringify(values));
    // helm keeps its own settings under HOME's folders; they stay in the temp folder.
    const env = { PATH: process.env.PATH ?? '', HOME: dir, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') };
    const { stdout, stderr } = await run(deployTools().helm, [...args, '--values', join(dir, 'values.json')], { env, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` of a chart folder with these values. */
export function helmLint(chart: string, values: object): Promise<HelmResult> {
  return helm(['lint', '--strict', chart], values);
}

/** `helm template` for the pinned Kubernetes version; the raw result. */
export function helmTemplateRaw(chart: string, values: object, release = 'hs'): Promise<HelmResult> {
  const kube = deployTools().kubernetesVersion.replace(/^v/, '');
  return helm(['template', release, chart, '--namespace', 'homeostat', '--kube-version', kube], values);
}

/** `helm template`, parsed into its objects; throws with helm's message when it fails. */
export async function helmTemplate(chart: string, values: object, release = 'hs'): Promise<Manifest[]> {
  const r = await helmTemplateRaw(chart, values, release);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return parseAllDocuments(r.stdout).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`helm template printed invalid YAML: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value as Manifest];
  });
}

/** The one object of a kind (and name suffix); throws naming what is there when it is missing. */
export function only(docs: Manifest[], kind: string, nameSuffix = ''): Manifest {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} *${nameSuffix}, found ${found.length} among ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  return found[0]!;
}
