import { setTimeout as sleep } from 'node:timers/promises';
import { timelineEvent, type TimelineSink } from '../orchestrator/timeline/timeline-event.ts';

/**
 * The on-call person of a scripted sandbox run (`--once`). Homeostat applies
 * only confident, low-risk fixes by itself; anything else waits for a person
 * as a review item. In an interactive sandbox that person is you, at the
 * dashboard. In a scripted run nobody is there, so this stand-in reads the
 * open review items through the API, as the dashboard does, and after a
 * moment's thought approves every one of them.
 *
 * It knows nothing about the scenario on purpose: a stand-in that approved
 * only the expected fix would hide a wrong proposal, which could then never
 * be applied. Approving everything is the harshest reviewer for Homeostat's
 * judgement: whatever it sends to review is applied, and the verdict
 * (scenario-verdict.ts) sees what that did.
 */

/** A review item as the API serves it (the fields the operator reads). */
export interface ReviewView {
  readonly id: string;
  readonly status: string;
  readonly playbook: string;
  readonly title: string;
}

export interface OperatorDecision {
  readonly approve: boolean;
  readonly reason: string;
}

/** What the stand-in decides about a review item: approve, whatever it is. Pure; it is given nothing about the scenario. */
export function operatorDecision(review: Pick<ReviewView, 'playbook' | 'title'>): OperatorDecision {
  return { approve: true, reason: `a stand-in that approves every review item (${review.playbook} too)` };
}

export interface SandboxOperatorOptions {
  serviceUrl: string;
  emit: TimelineSink;
  /** Who decides: the name of the API token's principal, which the review records. */
  name: string;
  /** The stand-in's API token (an approver's). */
  token: string;
  /** How long the person looks at an item before deciding, ms. */
  thinkMs: number;
  /** Between two looks at the review list, ms; default 500. */
  pollMs?: number;
}

export interface SandboxOperator {
  stop(): Promise<void>;
}

export function startSandboxOperator(options: SandboxOperatorOptions): SandboxOperator {
  const { serviceUrl, emit, name, thinkMs } = options;
  const stopping = new AbortController();
  const seen = new Map<string, number>();
  const decided = new Set<string>();

  async function look(): Promise<void> {
    const auth = { authorization: `Bearer ${options.token}` };
    const res = await fetch(`${serviceUrl}/api/reviews?status=open`, { headers: auth, signal: stopping.signal });
    if (!res.ok) throw new Error(`GET /api/reviews: ${res.status}`);
    const { reviews } = (await res.json()) as { reviews: ReviewView[] };
    const now = Date.now();
    for (const r of reviews) {
      if (decided.has(r.id)) continue;
      const since = seen.get(r.id) ?? now;
      seen.set(r.id, since);
      if (now - since < thinkMs) continue;
      decided.add(r.id);
      const d = operatorDecision(r);
      const verb = d.approve ? 'approve' : 'reject';
      const post = await fetch(`${serviceUrl}/api/reviews/${encodeURIComponent(r.id)}/${verb}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(d.approve ? {} : { reason: d.reason }),
        signal: stopping.signal,
      });
      emit(
        timelineEvent('service', `${name} ${d.approve ? 'approves' : 'rejects'} review ${r.id} (${r.title}): ${d.reason}${post.ok ? '' : ` — the API said ${post.status}`}`, {
          stack: 'sandbox',
          playbook: r.playbook,
          outcome: d.approve ? 'approved' : 'rejected',
        }),
      );
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await look();
      } catch (err) {
        if (stopping.signal.aborted) break;
        emit(timelineEvent('error', `sandbox operator: ${(err as Error).message}`));
      }
      try {
        await sleep(options.pollMs ?? 500, undefined, { signal: stopping.signal });
      } catch {
        break;
      }
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
