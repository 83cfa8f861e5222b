import assert from 'node:assert/strict';
import { createEventChannel } from '../../../orchestrator/telemetry/event-channel.ts';

describe('event channel', () => {
  it('delivers in order and ends after close', async () => {
    const ch = createEventChannel<number>(4);
    await ch.send(1);
    await ch.send(2);
    ch.close();
    const got: number[] = [];
    for await (const n of ch) got.push(n);
    assert.deepEqual(got, [1, 2]);
    await assert.rejects(ch.send(3), /closed/);
  });
  it('makes the sender wait while the buffer is full', async () => {
    const ch = createEventChannel<number>(1);
    await ch.send(1);
    let second = false;
    const p = ch.send(2).then(() => (second = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, false, 'waits for the reader');
    const it = ch[Symbol.asyncIterator]();
    assert.deepEqual(await it.next(), { value: 1, done: false });
    await p;
    assert.deepEqual(await it.next(), { value: 2, done: false });
  });
  it('hands an event straight to a waiting reader', async () => {
    const ch = createEventChannel<string>(1);
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    await ch.send('x');
    assert.deepEqual(await next, { value: 'x', done: false });
  });
});
