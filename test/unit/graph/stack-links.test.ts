import assert from 'node:assert/strict';
import { declaredLinks } from '../../../orchestrator/graph/stack-links.ts';

describe('stack links declared in a stack config file', () => {
  const file = 'stacks/Pulumi.app.yaml';

  it('reads homeostat:dependsOn as a sorted list without repeats', () => {
    const text = 'config:\n  homeostat:kind: sandbox\n  homeostat:dependsOn:\n    - organization/network/prod\n    - cluster/prod\n    - cluster/prod\n';
    assert.deepEqual(declaredLinks(file, text), { dependsOn: ['cluster/prod', 'organization/network/prod'] });
  });

  it('declares nothing without the key, without a config section, or without the file', () => {
    assert.deepEqual(declaredLinks(file, 'config:\n  homeostat:kind: sandbox\n'), { dependsOn: [] });
    assert.deepEqual(declaredLinks(file, 'encryptionsalt: abc\n'), { dependsOn: [] });
    assert.deepEqual(declaredLinks(file, ''), { dependsOn: [] });
    assert.deepEqual(declaredLinks(file, undefined), { dependsOn: [] });
  });

  it('names the file, the key and the entry that is wrong', () => {
    assert.throws(() => declaredLinks(file, 'config:\n  homeostat:dependsOn: network/prod\n'), /stacks\/Pulumi\.app\.yaml: homeostat:dependsOn: a list of stack names/);
    assert.throws(() => declaredLinks(file, 'config:\n  homeostat:dependsOn: [ok/prod, "../etc/passwd"]\n'), /stacks\/Pulumi\.app\.yaml: homeostat:dependsOn\[1\]: a stack name: org\/project\/stack, project\/stack or stack/);
    assert.throws(() => declaredLinks(file, 'config:\n  homeostat:dependsOn: [a/b/c/d]\n'), /homeostat:dependsOn\[0\]/);
    assert.throws(() => declaredLinks(file, 'config: [\n'), /stacks\/Pulumi\.app\.yaml: not valid YAML/);
    assert.throws(() => declaredLinks(file, '- a\n- b\n'), /stacks\/Pulumi\.app\.yaml: expected a mapping with a config section/);
  });
});
