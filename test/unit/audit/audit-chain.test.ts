import assert from 'node:assert/strict';
import { canonicalJson, entryHash, verifyChain } from '../../../orchestrator/audit/audit-chain.ts';
import { AuditEntrySchema, GENESIS_HASH, type AuditEntry, type UnhashedAuditEntry } from '../../../orchestrator/audit/audit-entry.ts';

/** A valid chain of `n` entries, built the way the log builds one. */
function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const unhashed: UnhashedAuditEntry = {
      seq,
      at: new Date(Date.UTC(2025, 0, 1, 0, seq)).toISOString(),
      prevHash: prev,
      type: seq % 2 ? 'proposal' : 'decision',
      actor: 'homeostat',
      stackKey: 'infra/./web',
      incidentId: `inc-${seq}`,
      summary: `step ${seq}`,
      data: { confidence: 0.5 + seq / 100, guardrails: [{ name: 'blast-radius', passed: true }], nested: { a: 1, b: [seq, 'x'] } },
    };
    const entry = { ...unhashed, hash: entryHash(unhashed) };
    out.push(entry);
    prev = entry.hash;
  }
  return out;
}

const clone = (entries: AuditEntry[]): AuditEntry[] => structuredClone(entries);

describe('audit chain', () => {
  describe('canonicalJson', () => {
    it('does not depend on key order, at any depth', () => {
      const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: 's' } };
      const b = { a: { x: 's', y: [1, { p: 2, q: 1 }] }, b: 1 };
      assert.equal(canonicalJson(a), canonicalJson(b));
      assert.equal(canonicalJson(a), '{"a":{"x":"s","y":[1,{"p":2,"q":1}]},"b":1}');
    });

    it('follows JSON for undefined, non-finite numbers and toJSON', () => {
      assert.equal(canonicalJson({ a: undefined, b: [undefined, NaN], d: new Date(0) }), '{"b":[null,null],"d":"1970-01-01T00:00:00.000Z"}');
    });

    it('gives the same hash for an entry read back from JSON', () => {
      const [e] = chain(1);
      const back = JSON.parse(JSON.stringify({ data: e!.data, ...e })) as AuditEntry;
      assert.equal(entryHash(back), e!.hash);
    });
  });

  it('builds entries the schema accepts', () => {
    for (const e of chain(3)) assert.ok(AuditEntrySchema.safeParse(e).success);
  });

  it('verifies a valid chain and reports its head', () => {
    const entries = chain(5);
    assert.deepEqual(verifyChain(entries), { ok: true, count: 5, head: entries[4]!.hash });
    assert.deepEqual(verifyChain([]), { ok: true, count: 0, head: GENESIS_HASH });
  });

  it('verifies a slice given where it starts', () => {
    const entries = chain(5);
    assert.deepEqual(verifyChain(entries.slice(2), { expectedFirstPrev: entries[1]!.hash }), { ok: true, count: 3, head: entries[4]!.hash });
    const r = verifyChain(entries.slice(2), { expectedFirstPrev: entries[0]!.hash });
    assert.equal(r.ok, false);
  });

  describe('detects tampering at the right seq', () => {
    type Edit = { name: string; edit: (entries: AuditEntry[]) => AuditEntry[]; seq: number; problem: RegExp };
    const edits: Edit[] = [];
    const fields: [string, (e: AuditEntry) => void][] = [
      ['type', (e) => void (e.type = 'no-action')],
      ['actor', (e) => void (e.actor = 'mallory')],
      ['stackKey', (e) => void (e.stackKey = 'infra/./db')],
      ['incidentId', (e) => void delete e.incidentId],
      ['playbook', (e) => void (e.playbook = 'scale-up')],
      ['commit', (e) => void (e.commit = 'deadbeef')],
      ['summary', (e) => void (e.summary = 'nothing to see')],
      ['at', (e) => void (e.at = '2030-01-01T00:00:00.000Z')],
      ['data (nested)', (e) => void ((e.data.nested as { b: unknown[] }).b[1] = 'y')],
      ['data (added key)', (e) => void (e.data.extra = true)],
    ];
    for (const seq of [1, 3, 5]) {
      for (const [field, change] of fields) {
        edits.push({ name: `${field} of entry ${seq}`, seq, problem: /content does not match its hash/, edit: (es) => (change(es[seq - 1]!), es) });
      }
    }
    edits.push(
      { name: 'hash of entry 3 recomputed after an edit', seq: 4, problem: /prevHash/, edit: (es) => {
        es[2]!.summary = 'rewritten';
        es[2]!.hash = entryHash(es[2]!);
        return es;
      } },
      { name: 'prevHash of entry 3', seq: 3, problem: /prevHash/, edit: (es) => ((es[2]!.prevHash = 'f'.repeat(64)), es) },
      { name: 'prevHash of entry 1', seq: 1, problem: /prevHash/, edit: (es) => ((es[0]!.prevHash = 'a'.repeat(64)), es) },
      { name: 'entry 3 deleted', seq: 3, problem: /expected entry 3 here, found entry 4/, edit: (es) => es.filter((e) => e.seq !== 3) },
      { name: 'entry 1 deleted', seq: 1, problem: /expected entry 1/, edit: (es) => es.slice(1) },
      { name: 'entries 2 and 3 swapped', seq: 2, problem: /expected entry 2 here, found entry 3/, edit: (es) => [es[0]!, es[2]!, es[1]!, es[3]!, es[4]!] },
      { name: 'seq of entry 4 changed', seq: 4, problem: /expected entry 4 here, found entry 9/, edit: (es) => ((es[3]!.seq = 9), es) },
      { name: 'entry 2 duplicated', seq: 3, problem: /expected entry 3 here, found entry 2/, edit: (es) => [es[0]!, es[1]!, es[1]!, ...es.slice(2)] },
    );
    for (const { name, edit, seq, problem } of edits) {
      it(name, () => {
        const r = verifyChain(edit(clone(chain(5))));
        assert.equal(r.ok, false, name);
        if (r.ok) return;
        assert.equal(r.seq, seq);
        assert.match(r.problem, problem);
      });
    }
  });
});
