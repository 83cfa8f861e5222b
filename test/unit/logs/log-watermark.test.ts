import assert from 'node:assert/strict';
import { expiredStreams, freshEvents, readWindow, type LogEvent, type StreamWatermark } from '../../../orchestrator/logs/log-watermark.ts';
import { logGroupsOf, logGroupsOfOutputs } from '../../../orchestrator/logs/log-groups.ts';

const ev = (logStreamName: string, eventId: string, timestamp: number): LogEvent => ({ logStreamName, eventId, timestamp, message: eventId });

describe('log watermarks', () => {
  it('emits events past each stream\'s watermark and moves only those streams', () => {
    const marks = new Map<string, StreamWatermark>([['a', { ts: 10, ids: ['a1'] }], ['b', { ts: 5, ids: ['b1'] }]]);
    const { fresh, moved } = freshEvents([ev('a', 'a1', 10), ev('b', 'b2', 6), ev('a', 'a2', 11), ev('c', 'c1', 1)], marks);
    assert.deepEqual(fresh.map((e) => e.eventId), ['b2', 'a2', 'c1']);
    assert.deepEqual(Object.fromEntries(moved), { b: { ts: 6, ids: ['b2'] }, a: { ts: 11, ids: ['a2'] }, c: { ts: 1, ids: ['c1'] } });
    assert.deepEqual(marks.get('a'), { ts: 10, ids: ['a1'] }, 'the input is left as it was');
  });
  it('keeps events that share the watermark\'s millisecond apart by id: none twice, none skipped', () => {
    // A page (or a poll) ended between two events of the same millisecond.
    const first = freshEvents([ev('s', 'x', 7), ev('s', 'y', 7)], new Map());
    assert.deepEqual(first.moved.get('s'), { ts: 7, ids: ['x', 'y'] });
    const second = freshEvents([ev('s', 'x', 7), ev('s', 'y', 7), ev('s', 'z', 7), ev('s', 'w', 8)], first.moved);
    assert.deepEqual(second.fresh.map((e) => e.eventId), ['z', 'w']);
    assert.deepEqual(second.moved.get('s'), { ts: 8, ids: ['w'] });
  });
  it('lets go of streams whose mark lies before the next read can start', () => {
    const marks = new Map<string, StreamWatermark>([['old', { ts: 99, ids: ['o'] }], ['edge', { ts: 100, ids: ['e'] }], ['new', { ts: 150, ids: ['n'] }]]);
    assert.deepEqual(expiredStreams(marks, 100), ['old']);
  });
  it('reads a settled, bounded window with an overlap', () => {
    const o = { settleMs: 10, initialLookbackMs: 100, maxLookbackMs: 1000, overlapMs: 5 };
    assert.deepEqual(readWindow(undefined, 2000, o), { startTime: 1900, endTime: 1990 });
    assert.deepEqual(readWindow(1990, 2100, o), { startTime: 1986, endTime: 2090 });
    assert.deepEqual(readWindow(10, 5000, o), { startTime: 4000, endTime: 4990 }, 'a long gap is filled back to maxLookbackMs only');
    assert.equal(readWindow(1990, 1995, { ...o, overlapMs: 0 }), undefined, 'nothing settled since the last read');
  });
});

describe('log groups of stack contracts', () => {
  const contract = (logGroups: unknown) => ({ kind: 'sandbox', healthSignals: [], alarms: [], remediable: [], logGroups });
  it('lists each stack\'s groups with the stack they belong to', () => {
    assert.deepEqual(logGroupsOfOutputs('infra/./web', contract([{ id: 'app', name: '/ecs/web', resource: 'web' }])), [
      { stackKey: 'infra/./web', logGroupId: 'app', name: '/ecs/web', resource: 'web' },
    ]);
    assert.deepEqual(logGroupsOfOutputs('s', contract(undefined)), [], 'a contract without logGroups reads none');
  });
  it('names the stack and the field of a bad entry', () => {
    assert.throws(() => logGroupsOfOutputs('infra/./web', contract([{ id: 'app', name: 'bad name!', resource: 'web' }])), /infra\/\.\/web: the stack contract \(outputs\.homeostat\) is invalid: logGroups\.0\.name: a CloudWatch Logs group name is 1 to 512/);
    assert.throws(() => logGroupsOfOutputs('s', contract([{ name: '/x', resource: 'r' }])), /logGroups\.0\.id/);
  });
  it('refuses one group named twice, naming both fields', () => {
    const g = { id: 'app', name: '/shared', resource: 'r' };
    assert.throws(() => logGroupsOf([{ stackKey: 'a', logGroups: [g] }, { stackKey: 'b', logGroups: [{ ...g, id: 'other' }] }]), /b: logGroups\[0\] \(other\) names log group \/shared, already named by a: logGroups\[0\] \(app\)/);
  });
});
