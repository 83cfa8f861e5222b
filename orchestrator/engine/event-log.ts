import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';

/**
 * One run-log line for an engine event, or undefined for events a person
 * would not read (previews of unchanged resources, internal bookkeeping).
 */
export function engineEventLine(e: EngineEvent): string | undefined {
  const at = new Date(e.timestamp * 1000).toISOString().slice(11, 19);
  if (e.preludeEvent) return `${at} engine started`;
  const pre = e.resourcePreEvent?.metadata;
  if (pre && pre.op !== 'same' && !pre.type.startsWith('pulumi:providers:')) {
    return `${at} ${pre.op} ${pre.type} ${pre.urn.slice(pre.urn.lastIndexOf('::') + 2)}`;
  }
  const failed = e.resOpFailedEvent?.metadata;
  if (failed) return `${at} failed ${failed.op} ${failed.urn.slice(failed.urn.lastIndexOf('::') + 2)}`;
  const diag = e.diagnosticEvent;
  if (diag && !diag.ephemeral && diag.message.trim()) {
    return `${at} ${diag.severity === 'info#err' ? 'stderr' : diag.severity}: ${diag.message.trim()}`;
  }
  const policy = e.policyEvent;
  if (policy) return `${at} policy ${policy.policyName} [${policy.enforcementLevel}]: ${policy.message.trim()}`;
  const summary = e.summaryEvent;
  if (summary) return `${at} done in ${summary.durationSeconds}s: ${JSON.stringify(summary.resourceChanges)}`;
  return undefined;
}
