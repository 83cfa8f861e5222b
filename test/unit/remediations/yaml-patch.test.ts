import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { YamlPatchError, applyConfigPatch, formatConfigValue, patchConfigValue } from '../../../remediations/yaml-patch.ts';
import type { YamlPatchReason } from '../../../remediations/yaml-patch.ts';

/** A copy of stacks/Pulumi.sandbox.yaml. */
const SANDBOX = `# The sandbox service: runs for real on this machine against the fleet simulator.
config:
  homeostat:kind: sandbox
  homeostat:owner: platform-team
  homeostat:costCenter: cc-1001
  homeostat:environment: dev
  sandbox:serviceName: checkout
  sandbox:capacity: 2
  sandbox:minCapacity: 1
  sandbox:maxCapacity: 16
  sandbox:instanceSize: small
  sandbox:version: v1.0.0
`;

/** The lines that differ between two texts, as [line number, before, after]. */
function diff(a: string, b: string): [number, string, string][] {
  const x = a.split('\n');
  const y = b.split('\n');
  assert.equal(x.length, y.length, 'line count changed');
  return x.flatMap((line, i) => (line === y[i] ? [] : [[i + 1, line, y[i]!] as [number, string, string]]));
}

describe('stack file patching', () => {
  const changes: { name: string; key: string; to: string | number; line: [number, string, string] }[] = [
    { name: 'changes capacity and nothing else', key: 'sandbox:capacity', to: 4, line: [8, '  sandbox:capacity: 2', '  sandbox:capacity: 4'] },
    { name: 'changes the instance size to a bare word', key: 'sandbox:instanceSize', to: 'medium', line: [11, '  sandbox:instanceSize: small', '  sandbox:instanceSize: medium'] },
    { name: 'keeps a dotted version bare', key: 'sandbox:version', to: 'v1.1.0', line: [12, '  sandbox:version: v1.0.0', '  sandbox:version: v1.1.0'] },
    {
      name: 'quotes a timestamp so it stays a string',
      key: 'sandbox:version',
      to: '2026-11-29T01:00:00.000Z',
      line: [12, '  sandbox:version: v1.0.0', '  sandbox:version: "2026-11-29T01:00:00.000Z"'],
    },
  ];
  for (const c of changes) {
    it(c.name, () => {
      assert.deepEqual(diff(SANDBOX, patchConfigValue(SANDBOX, c.key, c.to)), [c.line]);
    });
  }

  it('keeps a comment after the value, CRLF line endings and the quoting style', () => {
    const text = 'config:\r\n  app:replicas: 3   # peak season\r\n  app:cpuLimit: "1"\r\n';
    const once = patchConfigValue(text, 'app:replicas', 5);
    assert.equal(once, 'config:\r\n  app:replicas: 5   # peak season\r\n  app:cpuLimit: "1"\r\n');
    assert.equal(patchConfigValue(once, 'app:cpuLimit', '2', { expectFrom: '1' }), 'config:\r\n  app:replicas: 5   # peak season\r\n  app:cpuLimit: "2"\r\n');
  });

  it('applies every change of a proposal, checked against its from values', () => {
    const out = applyConfigPatch(SANDBOX, {
      changes: [
        { key: 'sandbox:capacity', from: 2, to: 4 },
        { key: 'sandbox:instanceSize', from: 'small', to: 'medium' },
      ],
    });
    assert.deepEqual(
      diff(SANDBOX, out).map((d) => d[0]),
      [8, 11],
    );
  });

  const refusals: { name: string; text: string; key: string; to?: string | number; expectFrom?: string | number; reason: YamlPatchReason; message: RegExp }[] = [
    { name: 'a missing key', text: SANDBOX, key: 'sandbox:replicas', reason: 'missing', message: /sandbox:replicas: not found/ },
    {
      name: 'a key that appears twice',
      text: SANDBOX.replace('  sandbox:version: v1.0.0\n', '  sandbox:version: v1.0.0\n  sandbox:capacity: 3\n'),
      key: 'sandbox:capacity',
      reason: 'duplicate',
      message: /sandbox:capacity: appears 2 times \(lines 8, 13\)/,
    },
    { name: 'a list value', text: 'config:\n  web:subnetIds:\n    - subnet-1\n', key: 'web:subnetIds', reason: 'not-scalar', message: /web:subnetIds \(line 2\): holds a nested/ },
    { name: 'a secret', text: 'config:\n  app:token:\n    secure: AAABAx==\n', key: 'app:token', reason: 'not-scalar', message: /app:token \(line 2\)/ },
    { name: 'an anchored value', text: 'config:\n  app:replicas: &r 3\n  app:min: *r\n', key: 'app:replicas', reason: 'not-scalar', message: /app:replicas \(line 2\)/ },
    { name: 'an alias', text: 'config:\n  app:replicas: &r 3\n  app:min: *r\n', key: 'app:min', reason: 'not-scalar', message: /app:min \(line 3\)/ },
    { name: 'a tagged value', text: 'config:\n  app:replicas: !!str 3\n', key: 'app:replicas', reason: 'not-scalar', message: /app:replicas \(line 2\)/ },
    { name: 'a block scalar', text: 'config:\n  app:motd: |\n    hello\n', key: 'app:motd', reason: 'not-scalar', message: /app:motd \(line 2\)/ },
    { name: 'a flow map', text: 'config:\n  app:limits: {cpu: 1}\n', key: 'app:limits', reason: 'not-scalar', message: /app:limits \(line 2\)/ },
    { name: 'an empty value', text: 'config:\n  app:replicas:\n', key: 'app:replicas', reason: 'not-scalar', message: /app:replicas \(line 2\)/ },
    { name: 'a value changed since the proposal', text: SANDBOX, key: 'sandbox:capacity', expectFrom: 3, reason: 'stale', message: /is 2 in the file, not 3/ },
    { name: 'a value that is not a number', text: SANDBOX, key: 'sandbox:capacity', to: Number.NaN, reason: 'bad-value', message: /cannot write NaN/ },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name}, naming the key, and leaves the text as it was`, () => {
      const before = r.text;
      assert.throws(
        () => patchConfigValue(r.text, r.key, r.to ?? 4, r.expectFrom === undefined ? {} : { expectFrom: r.expectFrom }),
        (err: unknown) => err instanceof YamlPatchError && err.reason === r.reason && err.key === r.key && r.message.test(err.message),
      );
      assert.equal(r.text, before);
    });
  }

  it('writes values a YAML parser reads back as the values given', () => {
    let text = SANDBOX;
    text = patchConfigValue(text, 'sandbox:capacity', 4);
    text = patchConfigValue(text, 'sandbox:version', '2026-11-29T01:00:00.000Z');
    text = patchConfigValue(text, 'sandbox:serviceName', 'yes');
    const config = (parse(text) as { config: Record<string, unknown> }).config;
    assert.deepEqual([config['sandbox:capacity'], config['sandbox:version'], config['sandbox:serviceName'], config['sandbox:maxCapacity']], [4, '2026-11-29T01:00:00.000Z', 'yes', 16]);
  });

  it('patches a single-quoted value under a quoted key, keeping the comment', () => {
    const text = "config:\n  'app:tier': 'gold'  # billing\n";
    assert.equal(patchConfigValue(text, 'app:tier', 'silver', { expectFrom: 'gold' }), "config:\n  'app:tier': silver  # billing\n");
  });

  it('does not match a key that only starts the same', () => {
    assert.deepEqual(diff(SANDBOX, patchConfigValue(SANDBOX, 'sandbox:minCapacity', 2)), [[9, '  sandbox:minCapacity: 1', '  sandbox:minCapacity: 2']]);
  });

  it('formats values so they read back as themselves', () => {
    assert.deepEqual(
      [4, true, 'small', 't3.large', '1', 'yes', 'a b', ''].map((v) => formatConfigValue(v)),
      ['4', 'true', 'small', 't3.large', '"1"', '"yes"', '"a b"', '""'],
    );
  });
});
