import assert from 'node:assert/strict';
import { createTemplateMiner } from '../../../orchestrator/logs/template-miner.ts';
import { maskedTokens } from '../../../orchestrator/logs/log-tokens.ts';

describe('log tokens', () => {
  it('masks numbers, hex ids, UUIDs, IPs and paths with ids, keeping the words', () => {
    assert.deepEqual(maskedTokens('Accepted conn from 10.0.0.12:5432 id=42 took 3.5ms'), ['Accepted', 'conn', 'from', '<*>', 'id=<*>', 'took', '<*>']);
    assert.deepEqual(maskedTokens('request 6f1c2a9e-0b4d-4c1e-9a7b-1234567890ab at 0xdeadBEEF'), ['request', '<*>', 'at', '<*>']);
    assert.deepEqual(maskedTokens('GET /orders/8812/items (status 500)'), ['GET', '<*>', '(status', '<*>)']);
    assert.deepEqual(maskedTokens('Deleting block blk_-1608999687919862906 file'), ['Deleting', 'block', '<*>', 'file']);
    assert.deepEqual(maskedTokens('   '), []);
  });
  it('masks the month and weekday names of a printed date, but not the same words among words', () => {
    assert.deepEqual(maskedTokens('connection at Fri Jun 17 07:07:00 2005'), ['connection', 'at', '<*>', '<*>:<*>:<*>', '<*>']);
    assert.deepEqual(maskedTokens('rotated on 3 March, Sunday'), ['rotated', 'on', '<*>', 'Sunday']);
    assert.deepEqual(maskedTokens('you may not retry 3 times'), ['you', 'may', 'not', 'retry', '<*>', 'times']);
  });
  it('keeps a value quoted after key= as one token, spaces and all, but splits a quoted text standing alone', () => {
    assert.deepEqual(maskedTokens('acquire tag="View Lock", uid=7'), ['acquire', 'tag="View Lock",', 'uid=<*>']);
    assert.deepEqual(maskedTokens('"GET /index.html HTTP/1.1" 200'), ['"GET', '/index.html', '<*>"', '<*>']);
    assert.deepEqual(maskedTokens('note tag="unclosed value'), ['note', 'tag="unclosed', 'value']);
  });
  it('makes a run of bare variables one, however long: a list of values or a value printed in parts', () => {
    assert.deepEqual(maskedTokens('ask 10.0.0.1:50010 to delete blk_1 blk_2 blk_3'), ['ask', '<*>', 'to', 'delete', '<*>']);
    assert.deepEqual(maskedTokens('en0: Supported channels 1 2 3 36 40'), ['<*>:', 'Supported', 'channels', '<*>']);
    assert.deepEqual(maskedTokens('size 5 KB of 9 KB'), ['size', '<*>', 'KB', 'of', '<*>', 'KB']);
  });
  it('splits on any whitespace, as \\s does, tabs and no-break spaces included', () => {
    assert.deepEqual(maskedTokens('\tread  7 lines\u00a0from\r\nfile '), ['read', '<*>', 'lines', 'from', 'file']);
  });
});

describe('template miner', () => {
  it('puts the same message with different ids and numbers in one template', () => {
    const miner = createTemplateMiner();
    const a = miner.add('user 1001 logged in from 192.168.1.7 after 3 attempts');
    const b = miner.add('user 2002 logged in from 10.1.2.3 after 12 attempts');
    const c = miner.add('user 3 logged in from 172.16.0.1 after 1 attempts');
    assert.equal(a.templateId, b.templateId);
    assert.equal(b.templateId, c.templateId);
    assert.equal(c.template, 'user <*> logged in from <*> after <*> attempts');
    assert.equal(miner.stats().templates, 1);
  });
  it('merges a differing word into a wildcard once the rest agrees', () => {
    const miner = createTemplateMiner();
    const a = miner.add('connection to payments closed by peer');
    const b = miner.add('connection to checkout closed by peer');
    assert.equal(a.templateId, b.templateId);
    assert.equal(b.template, 'connection to <*> closed by peer');
  });
  it('keeps different statements apart', () => {
    const miner = createTemplateMiner();
    const a = miner.add('disk full on volume 3');
    const b = miner.add('request served in 20 ms');
    const c = miner.add('request failed: upstream timeout');
    assert.equal(new Set([a.templateId, b.templateId, c.templateId]).size, 3);
  });
  it('keeps apart lines whose key=value names differ, however much else agrees', () => {
    const miner = createTemplateMiner();
    const root = miner.add('authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.1 user=root');
    const guest = miner.add('authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.2 user=guest');
    const root2 = miner.add('authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.3 user=root');
    assert.notEqual(root.templateId, guest.templateId);
    assert.equal(root2.templateId, root.templateId);
    assert.equal(root2.template, 'authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*> user=root');
  });
  it('merges key=value tokens whose values are qualified names, keeping the key in the template', () => {
    const miner = createTemplateMiner();
    const a = miner.add('acquire lock=1, name=com.android.phone, uid=1001');
    const b = miner.add('acquire lock=2, name=android, uid=1000');
    assert.equal(a.templateId, b.templateId);
    assert.equal(b.template, 'acquire lock=<*>, name=<*>, uid=<*>');
  });
  it('does not let shared numbers make different statements similar', () => {
    const miner = createTemplateMiner();
    // Four of six positions are numbers on both lines; of the two words, none agree.
    const a = miner.add('1 2 3 4 scanner on');
    const b = miner.add('5 6 7 8 contacts purged');
    const c = miner.add('9 10 11 12 scanner on');
    assert.notEqual(a.templateId, b.templateId);
    assert.equal(c.templateId, a.templateId);
  });
  it('finds one statement across leaves when its leading token is a qualified name printed from a variable', () => {
    const miner = createTemplateMiner();
    const a = miner.add('com.example.backup.daily: scheduler says run this job; but the start time is 4390 seconds away. Ignoring.');
    const b = miner.add('com.example.cache.hourly: scheduler says run this job; but the start time is 12 seconds away. Ignoring.');
    const c = miner.add('org.example.sync: scheduler says run this job; but the start time is 7 seconds away. Ignoring.');
    assert.equal(b.templateId, a.templateId);
    assert.equal(c.templateId, a.templateId);
    assert.equal(c.template, '<*>: scheduler says run this job; but the start time is <*> seconds away. Ignoring.');
    assert.equal(miner.stats().templates, 1);
  });
  it('keeps statements apart whose leading words differ, even when the rest agrees', () => {
    const miner = createTemplateMiner();
    const a = miner.add('getTasks: caller 10113 does not hold REAL_GET_TASKS; limiting output');
    const b = miner.add('getRunningAppProcesses: caller 10113 does not hold REAL_GET_TASKS; limiting output');
    assert.notEqual(a.templateId, b.templateId);
  });
  it('puts two lines differing only in the day of a printed date in one template, however strict the similarity', () => {
    const miner = createTemplateMiner({ similarity: 0.7 });
    const a = miner.add('session opened from 10.0.0.1 at Fri Jun 17 07:07:00 2005');
    const b = miner.add('session opened from 10.0.0.9 at Sat Jul 2 23:01:44 2005');
    assert.equal(b.templateId, a.templateId);
    assert.equal(b.template, 'session opened from <*> at <*> <*>:<*>:<*> <*>');
  });
  it('puts a line whose value is printed empty in the template of that value', () => {
    const miner = createTemplateMiner({ similarity: 0.7 });
    const a = miner.add('login from 10.0.0.1 (host-1.example.org)');
    const b = miner.add('login from 10.0.0.2 (host-2.example.org)');
    const c = miner.add('login from 10.0.0.3 ()');
    assert.equal(b.template, 'login from <*> (<*>)');
    assert.equal(c.templateId, a.templateId);
  });
  it('lets a line join that repeats exactly the threshold share of constants (4 of 5 at 0.8), rounding aside', () => {
    const miner = createTemplateMiner({ similarity: 0.8 });
    const a = miner.add('session closed for user cyrus');
    const b = miner.add('session closed for user news');
    assert.equal(b.templateId, a.templateId);
  });
  it('puts lines whose quoted key values differ, or whose value is printed null, in one template that keeps the keys', () => {
    const miner = createTemplateMiner();
    const a = miner.add('acquire lock=1, tag="View Lock", name=com.android.systemui, ws=null, uid=1000');
    const b = miner.add('acquire lock=2, tag="*launch*", name=android, ws=WorkSource{1000}, uid=1000');
    const c = miner.add('acquire lock=3, tag="AudioMix", name=audioserver, ws=null, uid=1041');
    assert.equal(b.templateId, a.templateId);
    assert.equal(c.templateId, a.templateId);
    assert.equal(c.template, 'acquire lock=<*>, tag="<*>", name=<*>, ws=<*>, uid=<*>');
  });
  it('keeps logfmt lines apart whose quoted messages differ: msg= holds the statement, not a value', () => {
    const miner = createTemplateMiner();
    const a = miner.add('time=2026-12-02T06:00:01Z level=info msg="connection refused" component=api');
    const b = miner.add('time=2026-12-02T06:00:02Z level=info msg="request served" component=api');
    const c = miner.add('time=2026-12-02T06:00:03Z level=info msg="connection refused" component=api');
    assert.notEqual(b.templateId, a.templateId);
    assert.equal(c.templateId, a.templateId);
  });
  it('keeps quoted request lines with different methods apart', () => {
    const miner = createTemplateMiner();
    const get = miner.add('10.0.0.1 "GET /v2/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.24');
    const post = miner.add('10.0.0.1 "POST /v2/servers/detail HTTP/1.1" status: 202 len: 733 time: 0.51');
    assert.notEqual(post.templateId, get.templateId);
  });
  it('flags a new template exactly once', () => {
    const miner = createTemplateMiner();
    const seen = ['order 1 placed', 'order 2 placed', 'payment 7 declined by bank', 'order 3 placed', 'payment 9 declined by bank'].map((m) => miner.add(m).isNew);
    assert.deepEqual(seen, [true, false, true, false, false]);
  });
  it('matches without learning', () => {
    const miner = createTemplateMiner();
    miner.add('cache miss for key 12');
    assert.equal(miner.match('cache miss for key 99')?.template, 'cache miss for key <*>');
    assert.equal(miner.match('something else entirely'), undefined);
    assert.equal(miner.stats().lines, 1);
  });
  it('lists its templates least recently seen first, a match moving one to the end', () => {
    const miner = createTemplateMiner();
    miner.add('disk full on volume 3');
    miner.add('request served in 20 ms');
    miner.add('cache miss for key 7');
    miner.add('disk full on volume 9');
    assert.deepEqual(miner.templates().map((t) => t.template), ['request served in <*> ms', 'cache miss for key <*>', 'disk full on volume <*>']);
  });
  it('stays within its template cap, dropping the least recently seen and counting the drops', () => {
    const miner = createTemplateMiner({ maxTemplates: 50 });
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    // Each message is its own statement: no word in common with any other.
    const statement = (i: number): string => `${letters[i % 26]}${letters[Math.floor(i / 26) % 26]} alpha${letters[i % 26]}${letters[Math.floor(i / 26) % 26]}`;
    miner.add('heartbeat from node 1');
    for (let i = 0; i < 500; i++) {
      assert.equal(miner.add(statement(i)).isNew, true);
      if (i % 7 === 0) miner.add(`heartbeat from node ${i}`); // kept recent, so never the one dropped
    }
    const { templates, dropped } = miner.stats();
    assert.equal(templates, 50);
    assert.ok(dropped >= 400, `dropped ${dropped}`);
    assert.ok(miner.templates().some((t) => t.template === 'heartbeat from node <*>'));
    // A dropped template comes back as new: the cap trades memory for re-learning.
    assert.equal(miner.add(statement(0)).isNew, true);
  });
});
