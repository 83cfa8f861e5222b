import assert from 'node:assert/strict';
import { describeHolders, isLockOf, judgeLocks, parseLockHolders, type EngineIdentity, type EngineLockHolder, type LockSurroundings } from '../../../orchestrator/engine/engine-lock.ts';

// The engine's own wording (pkg/backend/diy/lock.go), for a file and an S3 backend.
const LOCKED = [
  'error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.',
  '  file:///var/lib/homeostat/state/.pulumi/locks/organization/infra/sandbox/0b1c.json: created by root@worker-a (pid 4242) at 2026-11-30T10:00:05Z',
  '  s3://acme-state/.pulumi/locks/organization/infra/sandbox/9f8e.json: created by alice@corp.example@laptop-7 (pid 77) at 2026-11-30T09:59:00Z',
].join('\n');

const holder = (over: Partial<EngineLockHolder> = {}): EngineLockHolder => ({
  user: 'root',
  host: 'worker-a',
  pid: 4242,
  since: '2026-11-30T10:00:05Z',
  where: 'file:///s/.pulumi/locks/organization/infra/sandbox/0b1c.json',
  ...over,
});
const engine = (over: Partial<EngineIdentity> = {}): EngineIdentity => ({ host: 'worker-a', pid: 4242, startedAt: '2026-11-30T10:00:04.500Z', worker: 'w1', ...over });
const here = (over: Partial<LockSurroundings> = {}): LockSurroundings => ({ host: 'worker-a', alive: () => false, workerAlive: () => false, ...over });

describe('engine locks: read from the engine, cleared only when provably ours and gone', () => {
  it('reads every holder out of the engine\'s error, whatever the backend', () => {
    assert.deepEqual(parseLockHolders(LOCKED), [
      { where: 'file:///var/lib/homeostat/state/.pulumi/locks/organization/infra/sandbox/0b1c.json', user: 'root', host: 'worker-a', pid: 4242, since: '2026-11-30T10:00:05Z' },
      { where: 's3://acme-state/.pulumi/locks/organization/infra/sandbox/9f8e.json', user: 'alice@corp.example', host: 'laptop-7', pid: 77, since: '2026-11-30T09:59:00Z' },
    ]);
    assert.deepEqual(parseLockHolders('error: [409] Conflict: Another update is currently in progress.'), []);
  });

  it('names the holders for a person', () => {
    assert.equal(describeHolders(parseLockHolders(LOCKED).slice(1)), 'alice@corp.example@laptop-7 (pid 77) since 2026-11-30T09:59:00Z');
  });

  it('recognises an engine by host and pid, and not a process that reused the pid earlier', () => {
    assert.ok(isLockOf(holder(), engine()));
    assert.ok(!isLockOf(holder({ host: 'worker-b' }), engine()));
    assert.ok(!isLockOf(holder({ pid: 4243 }), engine()));
    assert.ok(!isLockOf(holder({ since: '2026-11-30T08:00:00Z' }), engine()), 'a lock two hours older than our engine is not our engine\'s');
    assert.ok(isLockOf(holder({ since: '2026-11-30T10:00:00Z' }), engine()), 'clocks may differ by a few seconds');
    assert.ok(!isLockOf(holder({ since: 'yesterday' }), engine()), 'an unreadable time proves nothing');
  });

  const table: { name: string; holders: EngineLockHolder[]; ours: EngineIdentity[]; here?: Partial<LockSurroundings>; kind: string }[] = [
    { name: 'no holder named: nothing proven', holders: [], ours: [engine()], kind: 'unknown' },
    { name: 'a person\'s lock on another host', holders: [holder({ host: 'laptop-7', user: 'alice' })], ours: [engine()], kind: 'foreign' },
    { name: 'a person\'s lock on this host, its process gone', holders: [holder({ pid: 999 })], ours: [engine()], kind: 'foreign' },
    { name: 'ours and a person\'s together: the person\'s is never cleared', holders: [holder(), holder({ host: 'laptop-7' })], ours: [engine()], kind: 'foreign' },
    { name: 'ours on this host, the engine still running', holders: [holder()], ours: [engine()], here: { alive: (pid) => pid === 4242 }, kind: 'ours-running' },
    { name: 'ours on this host, the engine gone', holders: [holder()], ours: [engine()], kind: 'ours-stale' },
    { name: 'ours on another host whose worker still beats', holders: [holder({ host: 'worker-b' })], ours: [engine({ host: 'worker-b' })], here: { workerAlive: (w) => w === 'w1' }, kind: 'ours-running' },
    { name: 'ours on another host whose worker is gone', holders: [holder({ host: 'worker-b' })], ours: [engine({ host: 'worker-b' })], kind: 'ours-stale' },
    { name: 'ours on another host, worker unknown: cannot be proven gone', holders: [holder({ host: 'worker-b' })], ours: [engine({ host: 'worker-b', worker: undefined })], kind: 'ours-running' },
  ];
  for (const row of table) {
    it(`${row.name} → ${row.kind}`, () => assert.equal(judgeLocks(row.holders, row.ours, here(row.here)).kind, row.kind));
  }
});
