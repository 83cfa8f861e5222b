import type { StackContract } from '../../stacks/contract.ts';
import type { DeploymentChange } from './deployment.ts';

/**
 * What a changed property is, for the deployment rule:
 * - `version`: code or image (a remediable key of purpose `version`, or a
 *   path naming a version, image, tag, digest, AMI or release); a new
 *   version is the classic bad deploy.
 * - `capacity`: how much of something (a key of purpose capacity, size or
 *   storage, or a path naming replicas, capacity, size, instance type, CPU or
 *   memory limits); `down` when the new value is smaller, which starves a
 *   service much more often than growing it does.
 * - `other`: anything else (tags, settings, resources created or replaced).
 */
export type ChangeClass = { kind: 'version' } | { kind: 'capacity'; direction: 'down' | 'up' | 'unknown' } | { kind: 'other' };

const VERSION_PATH = /^(ami|tag)$|(version|image|imageid|imagetag|digest|release|artifact|revision)$/i;
const CAPACITY_PATH = /(replicas|capacity|size|instancetype|instance_type|count|cpu|memory|mem|storage|limit|limits|throughput|concurrency)$/i;

function lastSegment(path: string): string {
  const parts = path.match(/[^.[\]"]+/g) ?? [];
  // Skip trailing array indexes: `containers[0]` names `containers`.
  for (let i = parts.length - 1; i >= 0; i--) if (!/^\d+$/.test(parts[i]!)) return parts[i]!;
  return '';
}

function sizeOf(v: unknown, order: readonly string[] | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (order) {
    const i = order.indexOf(v);
    if (i >= 0) return i;
  }
  // `500m`, `2Gi`, `1.5`: compare the number, the unit being the same on both sides in practice.
  const m = /^(\d+(?:\.\d+)?)/.exec(v);
  return m ? Number(m[1]) : undefined;
}

export function classifyChange(change: DeploymentChange, contract: StackContract | undefined): ChangeClass {
  const name = lastSegment(change.path).toLowerCase();
  if (name === '') return { kind: 'other' };
  const key = contract?.remediable.find((k) => k.key.slice(k.key.indexOf(':') + 1).toLowerCase() === name);
  const isVersion = key ? key.purpose === 'version' : VERSION_PATH.test(name);
  if (isVersion) return { kind: 'version' };
  const isCapacity = key ? key.purpose === 'capacity' || key.purpose === 'size' || key.purpose === 'storage' : CAPACITY_PATH.test(name);
  if (!isCapacity) return { kind: 'other' };
  const order = key?.type === 'enum' ? key.values : undefined;
  const before = sizeOf(change.old, order);
  const after = sizeOf(change.new, order);
  if (before === undefined || after === undefined || before === after) return { kind: 'capacity', direction: 'unknown' };
  return { kind: 'capacity', direction: after < before ? 'down' : 'up' };
}
