import assert from 'node:assert/strict';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import { summarizeEvents } from '../../../orchestrator/engine/run-summary.ts';

function policyEvent(sequence: number, policyName: string, message: string): EngineEvent {
  return {
    sequence,
    timestamp: 0,
    policyEvent: { policyPackName: 'homeostat', policyPackVersion: '1.0.0', policyPackVersionTag: '1.0.0', policyName, enforcementLevel: 'warning', message, color: 'never', resourceUrn: 'urn:pulumi:prod::shop::svc::checkout' },
  } as EngineEvent;
}

describe('run summary: the events of one engine run, folded', () => {
  it('reports a violation once when the preview and the update of one `pulumi up` both report it', () => {
    const summary = summarizeEvents([policyEvent(0, 'max-capacity', 'capacity above 3\n'), policyEvent(0, 'max-capacity', 'capacity above 3\n')]);
    assert.deepEqual(summary.policyViolations, [
      { policyPack: 'homeostat', policyPackVersion: '1.0.0', policy: 'max-capacity', level: 'advisory', message: 'capacity above 3', urn: 'urn:pulumi:prod::shop::svc::checkout' },
    ]);
  });

  it('keeps violations that differ in what they say, in the order they came', () => {
    const summary = summarizeEvents([policyEvent(0, 'max-capacity', 'capacity above 3'), policyEvent(1, 'max-capacity', 'capacity above 5'), policyEvent(2, 'tags', 'no owner')]);
    assert.deepEqual(summary.policyViolations.map((v) => v.message), ['capacity above 3', 'capacity above 5', 'no owner']);
  });

  it('lists the stacks the program read through StackReferences, by the name each was given, once each', () => {
    const read = (sequence: number, resourceName: string, name?: string): EngineEvent =>
      ({
        sequence,
        timestamp: 0,
        resourcePreEvent: {
          metadata: {
            op: 'read',
            urn: `urn:pulumi:prod::app::pulumi:pulumi:StackReference::${resourceName}`,
            type: 'pulumi:pulumi:StackReference',
            provider: '',
            new: { urn: '', type: 'pulumi:pulumi:StackReference', inputs: name ? { name } : {}, outputs: {} },
          },
        },
      }) as unknown as EngineEvent;
    const summary = summarizeEvents([read(0, 'net', 'organization/network/prod'), read(1, 'organization/cluster/prod'), read(2, 'net', 'organization/network/prod')]);
    assert.deepEqual(summary.stackReferences, ['organization/cluster/prod', 'organization/network/prod']);
    assert.deepEqual(summarizeEvents([policyEvent(0, 'tags', 'no owner')]).stackReferences, []);
  });
});
