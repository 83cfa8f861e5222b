import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { createAuditLog, type AuditLog } from '../../../orchestrator/audit/audit-log.ts';
import { entryHash } from '../../../orchestrator/audit/audit-chain.ts';
import { GENESIS_HASH, type AuditEntry, type AuditEntryInput, type UnhashedAuditEntry } from '../../../orchestrator/audit/audit-entry.ts';
import { AuditLogCorruptError, InvalidAuditEntryError } from '../../../orchestrator/audit/audit-errors.ts';
import { Secret } from '../../../orchestrator/config/secret.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { testServices, uniqueId } from '../../support/services.ts';

describe('audit log (Redis)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;
  const extra: Redis[] = [];
  const entriesKey = () => `${prefix}:audit:entries`;

  beforeEach(() => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('audit');
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await Promise.all([redis, ...extra.splice(0)].map((r) => r.quit()));
  });

  const decision = (over: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
    type: 'decision', stackKey: 'infra/./web', incidentId: 'inc-1', playbook: 'scale-up', summary: 'auto-apply: confidence 0.9',
    data: { confidence: 0.9, guardrails: [{ name: 'blast-radius', passed: true }], policy: { violations: 0 } }, ...over,
  });

  it('appends entries in a chain and lists them newest first, with filters', async () => {
    let t = Date.UTC(2025, 0, 1);
    const log = createAuditLog(redis, prefix, { now: () => new Date((t += 1000)) });
    const first = await log.append({ type: 'proposal', stackKey: 'infra/./web', incidentId: 'inc-1', summary: 'scale web to 4' });
    assert.equal(first.seq, 1);
    assert.equal(first.prevHash, GENESIS_HASH);
    assert.equal(first.actor, 'homeostat');
    assert.deepEqual(first.data, {});
    assert.equal(first.at, '2025-01-01T00:00:01.000Z');
    const second = await log.append(decision());
    assert.equal(second.prevHash, first.hash);
    await log.append({ type: 'proposal', stackKey: 'infra/./db', incidentId: 'inc-2', summary: 'grow disk' });
    await log.append({ type: 'review-approved', actor: 'Ana Silva', stackKey: 'infra/./db', incidentId: 'inc-2', summary: 'approved' });

    assert.equal(await log.count(), 4);
    assert.deepEqual((await log.list()).map((e) => e.seq), [4, 3, 2, 1]);
    assert.deepEqual((await log.list({ limit: 2 })).map((e) => e.seq), [4, 3]);
    assert.deepEqual((await log.list({ beforeSeq: 3 })).map((e) => e.seq), [2, 1]);
    assert.deepEqual((await log.list({ incidentId: 'inc-1' })).map((e) => e.seq), [2, 1]);
    assert.deepEqual((await log.list({ stackKey: 'infra/./db', limit: 1 })).map((e) => e.seq), [4]);
    assert.deepEqual((await log.list({ type: 'proposal', beforeSeq: 4 })).map((e) => e.seq), [3, 1]);
    assert.deepEqual(await log.list({ type: 'rolled-back' }), []);
    assert.deepEqual(await log.get(2), second);
    assert.equal(await log.get(5), undefined);
    assert.equal(await log.get(0), undefined);
  });

  it('verifies a valid chain, and an empty one', async () => {
    const log = createAuditLog(redis, prefix);
    assert.deepEqual(await log.verify(), { ok: true, count: 0, head: GENESIS_HASH });
    for (let i = 0; i < 5; i++) await log.append(decision({ summary: `step ${i}` }));
    const r = await log.verify();
    assert.deepEqual(r, { ok: true, count: 5, head: (await log.get(5))!.hash });
  });

  it('reports the entry changed directly in Redis', async () => {
    const log = createAuditLog(redis, prefix);
    for (let i = 0; i < 5; i++) await log.append(decision({ summary: `step ${i}` }));
    const raw = JSON.parse((await redis.lindex(entriesKey(), 2))!) as { data: { confidence: number } };
    raw.data.confidence = 0.99;
    await redis.lset(entriesKey(), 2, JSON.stringify(raw));
    const r = await log.verify();
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.seq, 3);
    assert.match(!r.ok ? r.problem : '', /does not match its hash/);
  });

  it('verifies a log longer than one page, and finds an edit past the first page', async () => {
    // Built here and pushed in bulk: 2,500 appends one by one would only slow the suite.
    const entries: AuditEntry[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 2500; seq++) {
      const unhashed: UnhashedAuditEntry = { seq, at: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(), prevHash: prev, type: 'verified', actor: 'homeostat', summary: `entry ${seq}`, data: { seq } };
      entries.push({ ...unhashed, hash: (prev = entryHash(unhashed)) });
    }
    await redis.rpush(entriesKey(), ...entries.map((e) => JSON.stringify(e)));
    await redis.set(`${prefix}:audit:head`, `2500:${prev}`);
    const log = createAuditLog(redis, prefix);
    assert.deepEqual(await log.verify(), { ok: true, count: 2500, head: prev });
    assert.equal((await log.append(decision())).seq, 2501);
    assert.deepEqual((await log.list({ type: 'decision' })).map((e) => e.seq), [2501]);
    await redis.lset(entriesKey(), 1999, JSON.stringify({ ...entries[1999], summary: 'rewritten' }));
    const r = await log.verify();
    assert.equal(!r.ok && r.seq, 2000);
  });

  it('reports entries removed from the end, and refuses to append after them', async () => {
    const log = createAuditLog(redis, prefix);
    for (let i = 0; i < 3; i++) await log.append(decision());
    await redis.rpop(entriesKey());
    const r = await log.verify();
    assert.equal(!r.ok && r.seq, 3);
    await assert.rejects(log.append(decision()), AuditLogCorruptError);
    assert.equal(await log.count(), 2);
  });

  it('keeps one gapless chain with four processes appending at once', async () => {
    const writers: AuditLog[] = [];
    for (let w = 0; w < 4; w++) {
      const conn = createRedis(testServices().redisUrl);
      extra.push(conn);
      writers.push(createAuditLog(conn, prefix));
    }
    await Promise.all(writers.map(async (log, w) => {
      for (let i = 0; i < 50; i++) await log.append(decision({ summary: `writer ${w} entry ${i}`, data: { w, i } }));
    }));
    const log = createAuditLog(redis, prefix);
    assert.equal(await log.count(), 200);
    const r = await log.verify();
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.count, 200);
    const all = [...(await log.list({ limit: 1000 }))].reverse();
    assert.deepEqual(all.map((e) => e.seq), Array.from({ length: 200 }, (_, i) => i + 1));
    for (let w = 0; w < 4; w++) {
      assert.deepEqual(all.filter((e) => e.data.w === w).map((e) => e.data.i), Array.from({ length: 50 }, (_, i) => i), `writer ${w} in order`);
    }
  });

  it('never stores a secret', async () => {
    const passphrase = 'correct-horse-battery-staple';
    const log = createAuditLog(redis, prefix, { secrets: () => [passphrase] });
    const stored = await log.append(decision({
      summary: `pulumi up failed: bad passphrase ${passphrase}`,
      data: {
        stderr: `error: PULUMI_CONFIG_PASSPHRASE=${passphrase} rejected`,
        config: { token: 'ghp_tok', webhookSecret: new Secret('whsec-123456') },
        env: ['AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE'],
        nested: [{ deeper: { note: `x${passphrase}y` } }],
      },
    }));
    const raw = JSON.stringify([await redis.lrange(entriesKey(), 0, -1), await redis.get(`${prefix}:audit:head`)]);
    for (const secret of [passphrase, 'ghp_tok', 'whsec-123456', 'AKIAIOSFODNN7EXAMPLE']) {
      assert.ok(!raw.includes(secret), `${secret} stored`);
      assert.ok(!JSON.stringify(stored).includes(secret), `${secret} returned`);
    }
    assert.match(stored.summary, /bad passphrase \[redacted\]/);
    assert.ok((await log.verify()).ok);
  });

  it('rejects invalid input naming the field, and appends nothing', async () => {
    const log = createAuditLog(redis, prefix);
    const bad: [unknown, string][] = [
      [{ type: 'deleted', summary: 'x' }, 'type'],
      [{ type: 'decision' }, 'summary'],
      [{ type: 'decision', summary: 'x', confidence: 0.5 }, 'confidence'],
      [{ type: 'decision', summary: 'x', data: 'no' }, 'data'],
    ];
    for (const [input, field] of bad) {
      await assert.rejects(log.append(input as AuditEntryInput), (err: unknown) => {
        assert.ok(err instanceof InvalidAuditEntryError);
        assert.match(err.message, new RegExp(`${field}:`));
        assert.deepEqual(err.fields, [field]);
        return true;
      });
    }
    assert.equal(await log.count(), 0);
    assert.equal(await redis.exists(`${prefix}:audit:head`), 0);
  });
});
