import assert from 'node:assert/strict';
import { differInValuesOnly, fitsTemplateToken, mergeTokens, shapesConflict } from '../../../orchestrator/logs/token-shape.ts';

describe('token shapes', () => {
  it('sees two statements in punctuated tokens whose names differ', () => {
    assert.equal(shapesConflict('user=root', 'user=guest'), true);
    assert.equal(shapesConflict('WWEN[enable]', 'WWEN[disable]'), true);
    assert.equal(shapesConflict('LOGIN(uid=<*>)', '(uid=<*>)'), true);
    assert.equal(shapesConflict('<*>::platformWoWEnable:', '<*>::syncPowerState:'), true);
  });
  it('sees two statements in different punctuation', () => {
    assert.equal(shapesConflict('key=value', 'key:value'), true);
    assert.equal(shapesConflict('a(b)', 'a(b)(c)'), true);
  });
  it('lets variables, qualified names and paths differ', () => {
    assert.equal(shapesConflict('id=<*>', 'id=abc'), false);
    assert.equal(shapesConflict('name=com.android.phone,', 'name=android,'), false);
    assert.equal(shapesConflict('file=/var/log/a', 'file=/tmp/b'), false);
    assert.equal(shapesConflict('(host.example.org)', '(other.example.net)'), false);
  });
  it('leaves plain words, and words that only end in a sentence mark, to the similarity score', () => {
    assert.equal(shapesConflict('payments', 'checkout'), false);
    assert.equal(shapesConflict('Yes,', 'No,'), false);
    assert.equal(shapesConflict('com.apple.a.daily:', 'com.apple.b.heartbeat:'), false);
    assert.equal(shapesConflict('<*>', 'user=root'), false);
  });
  it('merges same-shape tokens piece by piece and anything else into one wildcard', () => {
    assert.equal(mergeTokens('name=com.android.phone,', 'name=android,'), 'name=<*>,');
    assert.equal(mergeTokens('x', 'x'), 'x');
    assert.equal(mergeTokens('payments', 'checkout'), '<*>');
    assert.equal(mergeTokens('a=b', 'a:b'), '<*>');
  });
});

describe('a token fitting a partly variable template token', () => {
  it('fits where each <*> stands for any text, the empty text included', () => {
    assert.equal(fitsTemplateToken('(<*>)', '()'), true);
    assert.equal(fitsTemplateToken('(<*>)', '(host.example.org)'), true);
    assert.equal(fitsTemplateToken('id=<*>,', 'id=7f,'), true);
    assert.equal(fitsTemplateToken('<*>:<*>', 'a:b:c'), true);
  });
  it('does not fit when a constant piece is missing or out of place', () => {
    assert.equal(fitsTemplateToken('(<*>)', '[x]'), false);
    assert.equal(fitsTemplateToken('id=<*>,', 'uid=7,'), false);
    assert.equal(fitsTemplateToken('a<*>a', 'a'), false);
    assert.equal(fitsTemplateToken('user=root', 'user=guest'), false);
  });
});

describe('tokens that differ in values only', () => {
  it('are punctuated alike and differ where one side reads as a value', () => {
    assert.equal(differInValuesOnly('name=com.android.phone,', 'name=android,'), true);
    assert.equal(differInValuesOnly('file=/var/log/a', 'file=/tmp/b'), true);
  });
  it('are not names that differ, plain words or differently punctuated tokens', () => {
    assert.equal(differInValuesOnly('user=root', 'user=guest'), false);
    assert.equal(differInValuesOnly('payments', 'checkout'), false);
    assert.equal(differInValuesOnly('key=a.b', 'key:a.b'), false);
  });
});

describe('values of one key', () => {
  it('lets a value quoted after a key differ like any value, keeping key and quotes in the template', () => {
    assert.equal(shapesConflict('tag="View Lock",', 'tag="RILJ_ACK_WL",'), false);
    assert.equal(mergeTokens('tag="View Lock",', 'tag="RILJ_ACK_WL",'), 'tag="<*>",');
    assert.equal(shapesConflict('"GET', '"POST'), true);
  });
  it('lets a value printed absent stand beside a structured one, keeping the key', () => {
    assert.equal(shapesConflict('ws=null,', 'ws=WorkSource{<*>},'), false);
    assert.equal(mergeTokens('ws=null,', 'ws=WorkSource{<*>},'), 'ws=<*>,');
    assert.equal(shapesConflict('ws=idle,', 'ws=WorkSource{<*>},'), true);
    assert.equal(shapesConflict('ws=null', 'id=WorkSource{<*>}'), true);
  });
});
