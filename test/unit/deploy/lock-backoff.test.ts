import assert from 'node:assert/strict';
import { lockBackoffMs } from '../../../orchestrator/deploy/run-recovery.ts';

describe('deploy: waiting for a stack someone else has locked', () => {
  const now = Date.parse('2026-11-30T10:00:00Z');
  const table: [string, string[], number][] = [
    ['a lock taken just now: try again soon', ['2026-11-30T10:00:00Z'], 2000],
    ['a lock of 40 s: a quarter of its age', ['2026-11-30T09:59:20Z'], 10_000],
    ['a lock of an hour: at most a minute', ['2026-11-30T09:00:00Z'], 60_000],
    ['the oldest of several locks counts', ['2026-11-30T09:59:50Z', '2026-11-30T09:59:20Z'], 10_000],
    ['an unreadable time: the shortest wait', ['soon'], 2000],
  ];
  for (const [name, since, expected] of table) it(name, () => assert.equal(lockBackoffMs(since, now), expected));
});
