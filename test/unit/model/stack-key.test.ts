import assert from 'node:assert/strict';
import { parseStackKey, stackKey } from '../../../orchestrator/model/stack-key.ts';

describe('stack keys: names that cannot leave their checkout', () => {
  const valid: [string, { repo: string; project: string; stack: string }][] = [
    ['infra/./sandbox', { repo: 'infra', project: '', stack: 'sandbox' }],
    ['infra/apps/web/prod-eu.1', { repo: 'infra', project: 'apps/web', stack: 'prod-eu.1' }],
    ['my_repo-2/svc/dev', { repo: 'my_repo-2', project: 'svc', stack: 'dev' }],
  ];
  for (const [key, id] of valid) {
    it(`reads ${key}, and writes it back the same`, () => {
      assert.deepEqual(parseStackKey(key), id);
      assert.equal(stackKey(id), key);
    });
  }

  const hostile: [string, RegExp][] = [
    ['infra/../sandbox', /project folder/],
    ['infra/../../etc/sandbox', /project folder/],
    ['infra/apps/../../x/sandbox', /project folder/],
    ['infra//etc/sandbox', /project folder/],
    ['infra/./..', /stack name/],
    ['infra/./.hidden', /stack name/],
    ['../x/sandbox', /repository id/],
    ['infra/./sand box', /stack name/],
    ['infra/./sandbox:prod', /stack name/],
    ['sandbox', /expected <repo>\/<project>\/<stack>/],
  ];
  for (const [key, why] of hostile) {
    it(`refuses ${JSON.stringify(key)}, naming what is wrong`, () => assert.throws(() => parseStackKey(key), why));
  }
});
