import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, chainHash } from './audit-log.ts';

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: null }, c: 'text' };
    const b = { c: 'text', a: { x: null, y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":null,"y":[1,{"p":2,"q":1}]},"b":1,"c":"text"}');
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2, 3])).not.toBe(canonicalJson([3, 2, 1]));
    expect(canonicalJson({ list: [[1, 2], { a: [] }] })).toBe('{"list":[[1,2],{"a":[]}]}');
  });

  it('is stable across calls and matches JSON for the stored shape', () => {
    const value = { z: [true, false, 'a"b', 1.5, -0.25], e: {} };
    expect(canonicalJson(value)).toBe(canonicalJson(structuredClone(value)));
    // Round-tripping through JSON (as jsonb storage does) hashes the same.
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
  });

  it('drops undefined properties, like JSON storage does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('hashes a Date as the ISO string it is stored as', () => {
    const details = { at: new Date('2026-01-02T03:04:05.000Z') };
    expect(canonicalJson(details)).toBe('{"at":"2026-01-02T03:04:05.000Z"}');
    expect(canonicalJson(details)).toBe(canonicalJson(JSON.parse(JSON.stringify(details))));
  });
});

describe('chainHash', () => {
  const content = {
    seq: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    actor: 'usr_1',
    action: 'auth.login.succeeded',
    subject: 'usr_1',
    details: { ip: '203.0.113.1', amr: ['pwd'] },
  };
  const base = chainHash(GENESIS_HASH, content);

  it('is a sha256 hex digest and deterministic', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, { ...content, details: { amr: ['pwd'], ip: '203.0.113.1' } })).toBe(base);
  });

  it('changes when the previous hash changes', () => {
    expect(chainHash('1'.repeat(64), content)).not.toBe(base);
  });

  it.each([
    ['seq', { seq: 2 }],
    ['occurredAt', { occurredAt: '2026-01-01T00:00:00.001Z' }],
    ['actor', { actor: 'usr_2' }],
    ['action', { action: 'auth.login.failed' }],
    ['subject', { subject: null }],
    ['details', { details: { ip: '203.0.113.1', amr: ['pwd', 'otp'] } }],
  ])('changes when %s changes', (_field, change) => {
    expect(chainHash(GENESIS_HASH, { ...content, ...change })).not.toBe(base);
  });

  it('links: each hash depends on the one before it', () => {
    const first = chainHash(GENESIS_HASH, content);
    const second = chainHash(first, { ...content, seq: 2 });
    const secondOnForkedChain = chainHash(chainHash(GENESIS_HASH, { ...content, actor: 'usr_9' }), {
      ...content,
      seq: 2,
    });
    expect(second).not.toBe(secondOnForkedChain);
  });
});
