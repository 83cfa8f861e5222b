import assert from 'node:assert/strict';
import { BranchNameSchema, FullRefSchema, refNameProblem, RepoRelativePathSchema, revisionProblem } from '../../../orchestrator/source/ref-name.ts';
import { GitEventSchema } from '../../../orchestrator/source/git-event.ts';
import { RemediationIdSchema, ReviewIdSchema, remediationIdOf } from '../../../orchestrator/remediate/remediation-record.ts';

describe('names that cannot escape: git check-ref-format, ids and paths', () => {
  describe('branch names', () => {
    for (const ok of ['main', 'feature/scale', 'homeostat/rm-inc-1-ab12cd34', 'release-2026.11', 'a@b', 'UPPER/case_1']) {
      it(`accepts ${JSON.stringify(ok)}`, () => assert.equal(refNameProblem(ok), undefined));
    }
    const refused: [string, RegExp][] = [
      ['', /empty/],
      ['../../etc/passwd', /'\.\.'/],
      ['feature/../main', /'\.\.'/],
      ['--upload-pack=touch /tmp/pwned', /starts with '-'/],
      ['-f', /starts with '-'/],
      ['main;rm -rf /', /space or a control character/],
      ['main\nrefs/heads/evil', /control character/],
      ['feat~1', /'~'/],
      ['HEAD^', /'\^'/],
      ['a:b', /':'/],
      ['wild*', /'\*'/],
      ['what?', /'\?'/],
      ['[x]', /'\['/],
      ['back\\slash', /'\\'/],
      ['x@{1}', /'@\{'/],
      ['@', /'@'/],
      ['/abs', /empty part/],
      ['trailing/', /empty part/],
      ['double//slash', /empty part/],
      ['ends.', /ends with '\.'/],
      ['.hidden', /starting with '\.'/],
      ['feature/.hidden', /starting with '\.'/],
      ['refs/heads/main.lock', /'\.lock'/],
      ['x'.repeat(256), /longer than 255/],
    ];
    for (const [name, why] of refused) {
      it(`refuses ${JSON.stringify(name.slice(0, 40))}`, () => assert.match(refNameProblem(name) ?? 'accepted', why));
    }
    it('names the rule in the schema\'s message', () => {
      const parsed = BranchNameSchema.safeParse('feature/../main');
      assert.equal(parsed.success, false);
      assert.equal(parsed.error?.issues[0]?.message, "not a valid branch name: holds '..'");
    });
  });

  it('a full ref starts with refs/ and follows the same rules', () => {
    assert.equal(FullRefSchema.safeParse('refs/heads/main').success, true);
    assert.equal(FullRefSchema.safeParse('heads/main').error?.issues[0]?.message, 'expected a full ref starting with refs/');
    assert.equal(FullRefSchema.safeParse('refs/heads/../../config').error?.issues[0]?.message, "not a valid ref: holds '..'");
  });

  it('a branch ref names a branch git would create: refs/heads/-x is refused, as -x would read as an option', () => {
    assert.equal(FullRefSchema.safeParse('refs/heads/-x').error?.issues[0]?.message, "not a valid ref: starts with '-' (it would read as an option)");
    assert.equal(FullRefSchema.safeParse('refs/heads/feature/-x').success, true, 'a later part may start with - (git check-ref-format --branch agrees)');
  });

  it('what may be resolved: a commit id or a ref name, never an option', () => {
    assert.equal(revisionProblem('9049f1265b7d61be4a8904a9a27120d2064dab3b'), undefined);
    assert.equal(revisionProblem('refs/heads/main'), undefined);
    assert.match(revisionProblem('--output=/tmp/x') ?? '', /starts with '-'/);
  });

  it('a Git event with a traversal or injection in a branch is invalid, naming the field', () => {
    const event = {
      kind: 'pull_request', forge: 'github', deliveryId: 'd', repoName: 'acme/infra', cloneUrls: ['u'], receivedAt: '2026-11-30T00:00:00Z',
      number: 1, action: 'opened', headSha: 'c'.repeat(40), baseRef: 'main', headRef: '../../../etc',
    };
    const parsed = GitEventSchema.safeParse(event);
    assert.deepEqual(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`), ["headRef: not a valid branch name: holds '..'"]);
    const push = { kind: 'push', forge: 'github', deliveryId: 'd', repoName: 'acme/infra', cloneUrls: ['u'], receivedAt: '2026-11-30T00:00:00Z', ref: 'refs/heads/-x --upload-pack=evil' };
    assert.deepEqual(GitEventSchema.safeParse(push).error?.issues.map((i) => i.path.join('.')), ['ref']);
  });

  it('remediation and review ids have the shape Homeostat makes, and nothing else', () => {
    const id = remediationIdOf('inc/../../x:y');
    assert.equal(RemediationIdSchema.safeParse(id).success, true, id);
    for (const bad of ['rm-../../x', 'rm-a/b', 'rm-a:b', 'x', 'rm-a b']) assert.equal(RemediationIdSchema.safeParse(bad).success, false, bad);
    assert.equal(ReviewIdSchema.safeParse('rv-inc-1-ab12cd34').success, true);
    for (const bad of ['rv-../x', '../rv-1', 'rv-1\n']) assert.equal(ReviewIdSchema.safeParse(bad).success, false, bad);
  });

  it('a policy pack folder stays inside the repository', () => {
    for (const ok of ['policies', 'platform/policies', './policies']) assert.equal(RepoRelativePathSchema.safeParse(ok).success, true, ok);
    for (const bad of ['../outside', 'policies/../../x', '/etc/policies', '-x']) assert.equal(RepoRelativePathSchema.safeParse(bad).success, false, bad);
  });
});
