import assert from 'node:assert/strict';
import { classifyEngineError, isStackNotFound, missingPluginAdvice } from '../../../orchestrator/engine/engine-errors.ts';

describe('engine errors: one table from the engine\'s texts to typed reasons', () => {
  const table: [string, string, string][] = [
    ['error: preview failed due to policy violations', 'stalled', 'PolicyViolation'],
    ['error: [409] Conflict: Another update is currently in progress.', 'waiting', 'ConcurrentUpdate'],
    ['error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.', 'waiting', 'StackLocked'],
    ['error: constructing secrets manager of type "passphrase": passphrase must be set with PULUMI_CONFIG_PASSPHRASE', 'stalled', 'MissingSecret'],
    ['error: Missing required configuration variable \'sandbox:capacity\'', 'stalled', 'MissingSecret'],
    ['error: Running program failed with an unhandled exception: Error: invalid stack config:\n  sandbox:capacity: expected number', 'stalled', 'InvalidProgram'],
    ['error: Program exited with non-zero exit code: 1', 'stalled', 'InvalidProgram'],
    ["error: no resource plugin 'pulumi-resource-aws' found in the workspace at version v7.48.0 or on your $PATH, install the plugin using `pulumi plugin install resource aws v7.48.0`", 'stalled', 'MissingPlugin'],
    [
      "error: Could not automatically download and install resource plugin 'pulumi-resource-aws' at version v7.48.0, install the plugin using `pulumi plugin install resource aws v7.48.0`: error downloading provider aws to file: failed to download plugin: aws-7.48.0: failed all 5 attempts",
      'transient',
      'MissingPlugin',
    ],
    ['error: read tcp 127.0.0.1: connection reset by peer', 'transient', 'EngineError'],
  ];
  for (const [text, kind, reason] of table) {
    it(`${reason} (${kind}): ${text.slice(0, 60)}`, () => assert.deepEqual(classifyEngineError(text), { kind, reason }));
  }
  it('says how to install a missing plugin, naming it and its version', () => {
    assert.equal(
      missingPluginAdvice("error: no resource plugin 'pulumi-resource-kubernetes' found in the workspace at version v4.34.2 or on your $PATH"),
      "install it where the service's engine looks (its PULUMI_HOME): `pulumi plugin install resource kubernetes 4.34.2`, or put pulumi-resource-kubernetes on the engine's PATH; then push again or run the stack by hand",
    );
    assert.equal(missingPluginAdvice('error: Program exited with non-zero exit code: 1'), undefined);
  });

  describe('the advice fits where the service\'s plugins come from (pulumi.plugins)', () => {
    const text = "error: no resource plugin 'pulumi-resource-aws' found in the workspace at version v7.48.0 or on your $PATH, install the plugin using `pulumi plugin install resource aws v7.48.0`";
    it('preinstalled: how to install it into the configured folder from its archive', () => {
      assert.equal(
        missingPluginAdvice(text, { mode: 'preinstalled', dir: '/srv/airgap/pulumi-home/plugins' }),
        'pulumi.plugins is preinstalled: install it into /srv/airgap/pulumi-home/plugins from the plugin\'s archive (pulumi-resource-aws-v7.48.0-<os>-<arch>.tar.gz, fetched where it can be downloaded): `PULUMI_HOME=/srv/airgap/pulumi-home pulumi plugin install resource aws 7.48.0 --file <archive>`; then push again or run the stack by hand',
      );
    });
    it('off: which setting to change', () => {
      const advice = missingPluginAdvice(text, { mode: 'off' }) ?? '';
      assert.match(advice, /^pulumi\.plugins is off \(no acquisition, no plugin folder\): set it to acquire to let the engine download resource plugin aws 7\.48\.0, or to \{mode: preinstalled, dir: <folder named plugins>\}/);
    });
    it('acquire: the engine could not get it, so the way to its download site or a hand install', () => {
      const failedDownload = "error: Could not automatically download and install resource plugin 'pulumi-resource-aws' at version v7.48.0, install the plugin using `pulumi plugin install resource aws v7.48.0`: failed to download plugin";
      assert.match(missingPluginAdvice(failedDownload, { mode: 'acquire' }) ?? '', /^pulumi\.plugins is acquire but the engine could not get it: .*`homeostat pulumi -c <service config> plugin install resource aws 7\.48\.0`/);
    });
  });

  it('a mandatory violation in the preview summary is a policy stall whatever the text', () => {
    assert.deepEqual(classifyEngineError('error: preview failed', true), { kind: 'stalled', reason: 'PolicyViolation' });
  });

  it('knows the engine\'s text for a stack the backend does not hold (a first apply), and nothing else as it', () => {
    // As `pulumi up --stack nosuch --non-interactive` prints it (engine v3.276.0).
    assert.equal(isStackNotFound("error: no stack named 'nosuch' found"), true);
    assert.equal(isStackNotFound("error: no resource plugin 'pulumi-resource-aws' found in the workspace"), false);
    assert.equal(isStackNotFound('error: Program exited with non-zero exit code: 1'), false);
  });
});
