import assert from 'node:assert/strict';
import { parsePulumiInvocation } from '../../../orchestrator/cli/pulumi-command.ts';

describe('homeostat pulumi: what is ours and what goes to pulumi', () => {
  it('passes every argument on when there is no config', () => {
    assert.deepEqual(parsePulumiInvocation(['stack', 'ls', '--all', '-j']), { args: ['stack', 'ls', '--all', '-j'] });
  });

  it('takes a leading -c, --config or --config= and an optional --', () => {
    assert.deepEqual(parsePulumiInvocation(['-c', 'h.yaml', '--', 'stack', 'ls']), { config: 'h.yaml', args: ['stack', 'ls'] });
    assert.deepEqual(parsePulumiInvocation(['--config', 'h.yaml', 'version']), { config: 'h.yaml', args: ['version'] });
    assert.deepEqual(parsePulumiInvocation(['--config=h.yaml', 'whoami']), { config: 'h.yaml', args: ['whoami'] });
  });

  it('leaves a -c after the first pulumi argument to pulumi', () => {
    assert.deepEqual(parsePulumiInvocation(['config', 'get', '-c', 'x']), { args: ['config', 'get', '-c', 'x'] });
  });

  it('says what is missing when -c has no file', () => {
    assert.throws(() => parsePulumiInvocation(['-c']), /-c needs a file/);
    assert.throws(() => parsePulumiInvocation(['-c', '--', 'version']), /-c needs a file/);
    assert.throws(() => parsePulumiInvocation(['--config=']), /--config needs a file/);
  });
});
