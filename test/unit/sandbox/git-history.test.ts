import assert from 'node:assert/strict';
import { parseRemediationLog } from '../../../sandbox/git-history.ts';

describe('sandbox: git history', () => {
  it('keeps the commits with a playbook trailer, with the commit they revert', () => {
    const rec = (...f: string[]) => `${f.join('\x1f')}\x1e\n`;
    const out = [
      rec('a'.repeat(40), 'Homeostat', 'Revert "Scale out"', 'scale-out', 'b'.repeat(40)),
      rec('b'.repeat(40), 'Homeostat', 'Scale out sandbox:capacity from 2 to 4', 'scale-out', ''),
      rec('c'.repeat(40), 'Dana Developer', 'Release v1.1.0', '', ''),
    ].join('');
    assert.deepEqual(parseRemediationLog(out), [
      { sha: 'a'.repeat(40), author: 'Homeostat', subject: 'Revert "Scale out"', playbook: 'scale-out', revertOf: 'b'.repeat(40) },
      { sha: 'b'.repeat(40), author: 'Homeostat', subject: 'Scale out sandbox:capacity from 2 to 4', playbook: 'scale-out' },
    ]);
    assert.deepEqual(parseRemediationLog(''), []);
  });
});
