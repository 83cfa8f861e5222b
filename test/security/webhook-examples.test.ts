import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { Secret } from '../../orchestrator/config/secret.ts';
import { eventTrigger } from '../../orchestrator/intake/event-trigger.ts';
import { testServices } from '../support/services.ts';
import { startSecuredApi, type SecuredApi } from './secured-api.ts';

/** One event type's examples as `@octokit/webhooks-examples` ships them. */
interface ExampleSet {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
/** github.com and every GitHub Enterprise Server version the package carries. */
const VARIANTS = ['api.github.com', 'ghes-31', 'ghes-32', 'ghes-33', 'ghes-34', 'ghes-35'];
const EVENTS = ['push', 'pull_request', 'ping'];
const SECRET = 'octokit-examples-webhook-secret';
// Every example is about this repository, whose default branch is `master`: on github.com, and on the
// Enterprise Server host of the ghes-* examples (a watched repository there is configured by its own URL).
const repo = (id: string, url: string) => ({ id, url, deployBranch: 'master', forge: 'github' as const, webhookSecret: new Secret(SECRET) });
const DOTCOM = repo('hello', 'https://github.com/Codertocat/Hello-World.git');
const GHES = repo('hello-ghes', 'https://octocoders.github.io/Codertocat/Hello-World.git');
const watching = (variant: string) => (variant === 'api.github.com' ? DOTCOM : GHES);

function examples(): { variant: string; event: string; index: number; payload: Record<string, unknown> }[] {
  return VARIANTS.flatMap((variant) =>
    (require(`@octokit/webhooks-examples/${variant}/index.json`) as ExampleSet[])
      .filter((set) => EVENTS.includes(set.name))
      .flatMap((set) => set.examples.map((payload, index) => ({ variant, event: set.name, index, payload }))),
  );
}

/**
 * GitHub's meaning, written out here rather than taken from our code: a push
 * of a commit to the deploy branch is deployed; a pull request into it opened,
 * updated or reopened from the same repository is previewed; pings, tags,
 * deletions and every other pull request action start nothing.
 */
function shouldRun(event: string, p: Record<string, unknown>): boolean {
  if (event === 'push') return p.ref === `refs/heads/${'master'}` && p.deleted !== true;
  if (event !== 'pull_request') return false;
  const pr = p.pull_request as { base: { ref: string; repo: { full_name: string } }; head: { repo: { full_name: string } | null } };
  return ['opened', 'synchronize', 'reopened'].includes(p.action as string) && pr.base.ref === 'master' && pr.head.repo?.full_name === pr.base.repo.full_name;
}

describe('security: GitHub’s own webhook examples (@octokit/webhooks-examples), correctly signed', function () {
  this.timeout(120_000);
  let api: SecuredApi;
  before(async () => {
    api = await startSecuredApi(testServices().redisUrl, { repos: [DOTCOM, GHES] });
  });
  after(async () => {
    await api?.close();
  });

  it('answers every push, pull_request and ping example with a 2xx, and exactly the ones that should start a run do', async () => {
    const all = examples();
    assert.ok(all.length >= 60, `the package carries ${all.length} examples of ${EVENTS.join(', ')}`);
    const wrong: string[] = [];
    for (const [n, { variant, event, index, payload }] of all.entries()) {
      const body = JSON.stringify(payload);
      const deliveryId = `example-${n}`;
      const res = await fetch(`${api.url}/webhooks/${watching(variant).id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': deliveryId,
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        },
        body,
      });
      const text = await res.text();
      const name = `${variant} ${event}#${index} (${(payload.action as string | undefined) ?? (payload.ref as string | undefined) ?? ''})`;
      if (res.status < 200 || res.status > 299) {
        wrong.push(`${name}: ${res.status} ${text}`);
        continue;
      }
      const queued = api.enqueued.find((e) => e.deliveryId === deliveryId);
      const runs = queued ? eventTrigger(watching(variant), queued).run : false;
      if (runs !== shouldRun(event, payload)) wrong.push(`${name}: ${runs ? 'starts a run' : 'starts nothing'} (${text})`);
    }
    assert.deepEqual(wrong, []);
    assert.ok(all.some(({ event, payload }) => shouldRun(event, payload)) && all.some(({ event, payload }) => !shouldRun(event, payload)), 'both kinds are among the examples');
  });
});
