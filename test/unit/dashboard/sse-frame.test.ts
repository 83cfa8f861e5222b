import assert from 'node:assert/strict';
import { resumeFrom, sseComment, sseFrame, sseRetry } from '../../../orchestrator/dashboard/sse-frame.ts';
import { compareIds } from '../../../orchestrator/timeline/timeline-log.ts';

describe('server-sent event framing', () => {
  it('writes id, event and data lines ended by a blank line', () => {
    assert.equal(sseFrame({ id: '1700000000000-0', event: 'timeline', data: '{"a":1}' }), 'id: 1700000000000-0\nevent: timeline\ndata: {"a":1}\n\n');
    assert.equal(sseFrame({ data: 'x' }), 'data: x\n\n');
  });

  it('splits data over one data line per line, whatever the line break, so no line can start a field of its own', () => {
    assert.equal(sseFrame({ data: 'one\nid: 9-9\r\nevent: evil\rfour' }), 'data: one\ndata: id: 9-9\ndata: event: evil\ndata: four\n\n');
  });

  it('refuses an id or event name holding a line break or NUL', () => {
    assert.throws(() => sseFrame({ id: '1-0\ndata: x', data: '' }), /SSE id may not hold a line break/);
    assert.throws(() => sseFrame({ event: 'a\rb', data: '' }), /SSE event may not hold a line break/);
    assert.throws(() => sseFrame({ id: '1-0\0', data: '' }), /NUL/);
  });

  it('writes comments (heartbeats) and the retry interval', () => {
    assert.equal(sseComment('heartbeat'), ': heartbeat\n\n');
    assert.equal(sseComment('a\nb'), ': a\n: b\n\n');
    assert.equal(sseRetry(2000), 'retry: 2000\n\n');
    assert.throws(() => sseRetry(-1), /whole number/);
  });
});

describe('where a reconnecting reader resumes', () => {
  it('takes the Last-Event-ID header first, then the after parameter, else now', () => {
    assert.deepEqual(resumeFrom('1700000000000-3', '1-0'), { ok: true, id: '1700000000000-3' });
    assert.deepEqual(resumeFrom(undefined, '1700000000000-4'), { ok: true, id: '1700000000000-4' });
    assert.deepEqual(resumeFrom(['5-1', '6-0'], undefined), { ok: true, id: '5-1' });
    assert.deepEqual(resumeFrom(undefined, undefined), { ok: true });
    assert.deepEqual(resumeFrom('', ''), { ok: true });
  });

  it('refuses anything that is not a stream id, naming where it came from', () => {
    const header = resumeFrom('$', undefined);
    assert.equal(header.ok, false);
    assert.match(!header.ok ? header.error : '', /^Last-Event-ID: expected an event id/);
    const query = resumeFrom(undefined, '1-0 OR 1');
    assert.match(!query.ok ? query.error : '', /^after: expected an event id/);
    assert.equal(resumeFrom('+', undefined).ok, false);
  });

  it('orders stream ids by time, then sequence, beyond the precision of a double', () => {
    assert.equal(compareIds('1-0', '1-0'), 0);
    assert.ok(compareIds('2-0', '10-0') < 0, 'numerically, not as text');
    assert.ok(compareIds('5-10', '5-9') > 0);
    assert.ok(compareIds('18446744073709551615-1', '18446744073709551615-0') > 0);
  });
});
