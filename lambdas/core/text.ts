/**
 * Text that may reach storage. PostgreSQL refuses a NUL character in `text` (invalid byte sequence
 * for encoding "UTF8": 0x00) and in `json`/`jsonb` (unsupported Unicode escape sequence), and a lone
 * UTF-16 surrogate (`\ud800` without its pair) is not Unicode at all: it cannot be encoded as UTF-8,
 * so `json` columns refuse it. Such input is a client error, refused once at the edge:
 *
 *  - `safeText` is the zod string type for text inputs (domain schemas build on it);
 *  - `findInputProblem` is the walk the field and route routers run over every argument, body,
 *    query and path value before any domain code, so a schema that still says `z.string()` is
 *    covered too. It also bounds nesting and size, because AppSync hands AWSJSON values to the
 *    Lambda already parsed (a 6,000-deep value would overflow any recursive code after it).
 */
import * as z from 'zod';
import { ValidationError } from './errors.ts';

/** A NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSAFE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type TextProblem = 'nul' | 'lone-surrogate';

export function textProblem(value: string): TextProblem | undefined {
  const match = UNSAFE_TEXT.exec(value);
  if (!match) return undefined;
  return match[0] === '\u0000' ? 'nul' : 'lone-surrogate';
}

export const TEXT_PROBLEM_MESSAGES: Record<TextProblem, string> = {
  nul: 'must not contain a NUL character (U+0000)',
  'lone-surrogate': 'must be well-formed Unicode (it contains a lone UTF-16 surrogate)',
};

/** The zod string type for every text input: no NUL, no lone surrogate. Chain `.trim().max()` etc. on it. */
export const safeText = () =>
  z.string().superRefine((value, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: TEXT_PROBLEM_MESSAGES[problem] });
  });

/** Limits of one request's structured input (arguments, body, query, path), far above any real form. */
export const INPUT_LIMITS = {
  /** Nesting of objects and arrays. GraphQL input types plus an AWSJSON value stay well below it. */
  maxDepth: 32,
  /** Values (objects, arrays, strings, numbers, ...) in one input. */
  maxNodes: 100_000,
} as const;

/** Paths name caller-chosen keys (AWSJSON objects): keep what is echoed back short. */
function joinPath(path: readonly string[]): string {
  const joined = path.map((segment) => (segment.length > 64 ? `${segment.slice(0, 61)}...` : segment)).join('.');
  return joined.length > 256 ? `${joined.slice(0, 253)}...` : joined;
}

/** The typed refusal: a ValidationError whose message and issue name the offending field. */
export function inputProblemError(problem: InputProblem, what: string): ValidationError {
  return new ValidationError(`Invalid ${what}: ${problem.path || '(root)'} ${problem.message}`, [problem]);
}

export interface InputProblem {
  /** Dotted path of the offending value, e.g. `input.patch.links.0.label` (`<key>` names a key itself). */
  readonly path: string;
  readonly message: string;
}

/**
 * The first value in `input` that storage cannot take, or a nesting/size overrun; iterative, so it
 * is safe on any depth. Keys are checked as well as values (an AWSJSON object's keys are stored too).
 */
export function findInputProblem(
  input: unknown,
  rootPath: readonly string[] = [],
  limits: { maxDepth: number; maxNodes: number } = INPUT_LIMITS,
): InputProblem | undefined {
  const stack: { value: unknown; path: readonly string[]; depth: number }[] = [
    { value: input, path: rootPath, depth: 0 },
  ];
  let nodes = 0;
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (++nodes > limits.maxNodes)
      return { path: joinPath(rootPath), message: `must not hold more than ${limits.maxNodes} values` };
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path: joinPath(path), message: TEXT_PROBLEM_MESSAGES[problem] };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limits.maxDepth)
      return { path: joinPath(path), message: `must not nest deeper than ${limits.maxDepth} levels` };
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--)
        stack.push({ value: value[index], path: [...path, String(index)], depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, child] = entries[index]!;
      const problem = textProblem(key);
      if (problem) return { path: joinPath([...path, '<key>']), message: `keys ${TEXT_PROBLEM_MESSAGES[problem]}` };
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}
