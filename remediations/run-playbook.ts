import { z } from 'zod';
import { isPredictedOnly } from '../orchestrator/correlate/incident.ts';
import { changeViolation } from './bounds.ts';
import type { Playbook, PlaybookInput } from './playbook.ts';
import { configFileOf } from './playbook.ts';
import { ProposalSchema } from './proposal.ts';
import type { Proposal, Risk } from './proposal.ts';

/** What {@link runPlaybook} returns: the valid proposals, or every problem found, each naming the playbook and the field. */
export type PlaybookRun = { ok: true; playbook: string; proposals: Proposal[] } | { ok: false; playbook: string; errors: string[] };

/** `proposals[0].changes[1].to` */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = 'proposals';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/**
 * Runs one playbook and checks what it returns, so a faulty playbook stops
 * here with a clear error rather than further down the loop:
 * - the shape, with {@link ProposalSchema} (confidence in [0, 1], a known risk, ...);
 * - each proposal names this playbook, the input's stack and incident, and
 *   (for a config patch) the stack's config file;
 * - each config change is to a remediable key, from its current value, to a
 *   value within the bounds the stack declares (min, max, maxStepRatio,
 *   enum values), at most once per key.
 * A playbook that throws yields an error too.
 *
 * For a predicted incident (nothing observed yet), only a playbook that
 * declares `proactive` runs, and each of its proposals is marked
 * `proactive` and held to at least medium risk, whatever the playbook said:
 * acting ahead of time waits for a person unless the playbook was promoted
 * on that stack (decide step). Pure.
 */
export function runPlaybook(playbook: Playbook, input: PlaybookInput): PlaybookRun {
  const id = playbook.id;
  const ahead = isPredictedOnly(input.incident);
  if (ahead && playbook.proactive !== true) return { ok: true, playbook: id, proposals: [] };
  let raw: unknown;
  try {
    raw = playbook.propose(input);
  } catch (err) {
    return { ok: false, playbook: id, errors: [`playbook ${id} failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const parsed = z.array(ProposalSchema).safeParse(raw);
  if (!parsed.success) {
    return { ok: false, playbook: id, errors: parsed.error.issues.map((i) => `playbook ${id}: ${fieldPath(i.path)}: ${i.message}`) };
  }

  const errors: string[] = [];
  const file = configFileOf(input.stack);
  parsed.data.forEach((p, i) => {
    const at = (field: string, why: string) => errors.push(`playbook ${id}: proposals[${i}].${field}: ${why}`);
    if (p.playbook !== id) at('playbook', `is ${JSON.stringify(p.playbook)}, expected ${JSON.stringify(id)}`);
    if (p.stackKey !== input.stack.stackKey) at('stackKey', `is ${JSON.stringify(p.stackKey)}, expected the input's stack ${JSON.stringify(input.stack.stackKey)}`);
    if (p.incidentId !== input.incident.id) at('incidentId', `is ${JSON.stringify(p.incidentId)}, expected ${JSON.stringify(input.incident.id)}`);
    if (p.kind !== 'config-patch') return;
    if (p.file !== file) at('file', `is ${JSON.stringify(p.file)}, expected the stack's config file ${JSON.stringify(file)}`);
    const seen = new Set<string>();
    p.changes.forEach((c, j) => {
      if (seen.has(c.key)) at(`changes[${j}].key`, `${c.key} is changed twice`);
      seen.add(c.key);
      const why = changeViolation(input.stack.contract, c);
      if (why) at(`changes[${j}]`, why);
    });
  });
  if (errors.length > 0) return { ok: false, playbook: id, errors };
  return { ok: true, playbook: id, proposals: ahead ? parsed.data.map(proactive) : parsed.data };
}

const RISK_ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/** The proposal as a proactive one: marked so, and at least medium risk. */
function proactive(p: Proposal): Proposal {
  return { ...p, proactive: true, risk: RISK_ORDER[p.risk] < RISK_ORDER.medium ? 'medium' : p.risk };
}
