import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { INPUT_LIMITS, findInputProblem, inputProblemError, safeText, textProblem } from './text.ts';

describe('textProblem / safeText', () => {
  it('refuses NUL and lone surrogates, accepts any well-formed Unicode', () => {
    expect(textProblem('a\u0000b')).toBe('nul');
    expect(textProblem('\ud800')).toBe('lone-surrogate');
    expect(textProblem('x\udc00')).toBe('lone-surrogate');
    expect(textProblem('\udc00\ud800')).toBe('lone-surrogate');
    for (const ok of ['', 'plain', 'émoji 😀 𝄞', '\u0001\u001f\u2028', '日本語', '\ud83d\ude00'])
      expect(textProblem(ok)).toBeUndefined();
    const schema = safeText().trim().max(10);
    expect(schema.parse(' ok ')).toBe('ok');
    expect(schema.safeParse('a\u0000').error?.issues[0]?.message).toMatch(/NUL/);
    expect(schema.safeParse('a\ud800').error?.issues[0]?.message).toMatch(/surrogate/);
  });
});

describe('findInputProblem', () => {
  it('names the path of the first bad value or key', () => {
    expect(findInputProblem({ input: { links: [{ label: 'ok' }, { label: 'x\ud800' }] } })).toEqual({
      path: 'input.links.1.label',
      message: expect.stringMatching(/surrogate/) as unknown,
    });
    expect(findInputProblem({ displayName: 'a\u0000' }, ['body'])?.path).toBe('body.displayName');
    expect(findInputProblem({ a: { 'k\u0000': 1 } })?.path).toBe('a.<key>');
    expect(findInputProblem({ a: [1, true, null, 'fine', { b: 2.5 }] })).toBeUndefined();
    expect(findInputProblem('top\u0000', ['query'])?.path).toBe('query');
  });

  it('bounds depth and size without recursion, whatever the input', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findInputProblem({ patch: deep })?.message).toMatch(/nest deeper than 32/);
    let fine: unknown = 'leaf';
    for (let i = 0; i < INPUT_LIMITS.maxDepth - 1; i++) fine = { x: fine };
    expect(findInputProblem({ a: fine })).toBeUndefined();
    expect(findInputProblem(new Array(INPUT_LIMITS.maxNodes + 1).fill(0))?.message).toMatch(/more than/);
  });

  it('keeps echoed paths short', () => {
    const key = 'k'.repeat(10_000);
    const problem = findInputProblem({ [key]: '\u0000' })!;
    expect(problem.path.length).toBeLessThanOrEqual(256);
    const error = inputProblemError(problem, 'argument');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^Invalid argument: k+\.\.\. must not contain a NUL/);
    expect(error.issues).toEqual([problem]);
  });
});
