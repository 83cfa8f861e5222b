import assert from 'node:assert/strict';
import { createReviewActions, ReviewError, type ReviewActionsDeps } from '../../../orchestrator/remediate/review-actions.ts';

/** Every edge records that it was reached: a refused id must reach none. */
function untouchedDeps(touched: string[]): ReviewActionsDeps {
  const edge = (name: string) => new Proxy({}, { get: (_t, method) => () => { touched.push(`${name}.${String(method)}`); throw new Error('not expected'); } });
  return { store: edge('store'), queue: edge('queue'), ledger: edge('ledger'), git: edge('git'), audit: edge('audit'), repo: () => undefined } as unknown as ReviewActionsDeps;
}

describe('review actions: an id from a URL is checked before anything is looked up', () => {
  for (const id of ['../../rm-x', 'rv-1/../../x', 'rv-1\r\nX-Header: y', '--all']) {
    for (const action of ['approve', 'reject'] as const) {
      it(`${action} ${JSON.stringify(id)}: 400 naming the id, nothing touched`, async () => {
        const touched: string[] = [];
        const actions = createReviewActions(untouchedDeps(touched));
        await assert.rejects(action === 'approve' ? actions.approve(id, 'alice') : actions.reject(id, 'alice'), (err: unknown) => {
          assert.ok(err instanceof ReviewError, String(err));
          assert.equal(err.status, 400);
          assert.match(err.message, /^id: a review id: rv- followed by letters, digits, _ and -/);
          return true;
        });
        assert.deepEqual(touched, []);
      });
    }
  }
});
