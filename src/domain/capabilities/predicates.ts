/**
 * @module Argument predicates: a small, total language over a tool call's arguments, shared by team tool
 * policies and capability tokens (`args.match`). Paths are JSON Pointers (RFC 6901) into the arguments
 * object; comparisons use canonical JSON (RFC 8785) so `{"a":1,"b":2}` equals `{"b":2,"a":1}`. UCAN's
 * policy language (reference §D) inspired the operators; there is no code execution and no regex, so a
 * policy author cannot write a rule that is slow to evaluate.
 */
import { type Static, Type } from '@sinclair/typebox';
import { canonicalJson } from './canonical.ts';

export const PREDICATE_OPS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'not_in',
  'prefix',
  'like',
  'max_length',
  'exists',
  'absent',
] as const;
export type PredicateOp = (typeof PREDICATE_OPS)[number];

export const ArgPredicateSchema = Type.Object(
  {
    path: Type.String({
      maxLength: 256,
      pattern: '^(/[^/]*)*$',
      description: 'JSON Pointer (RFC 6901); "" is the whole object',
    }),
    op: Type.Union(PREDICATE_OPS.map((op) => Type.Literal(op))),
    value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type ArgPredicate = Static<typeof ArgPredicateSchema>;

export const ArgPredicateListSchema = Type.Array(ArgPredicateSchema, { maxItems: 64 });

const MISSING = Symbol('missing');

/** Resolves a JSON Pointer; `~1` and `~0` unescape to `/` and `~` (RFC 6901 §4), in that order. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return MISSING;
      const index = Number(token);
      if (index >= current.length) return MISSING;
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.hasOwn(current, token)) return MISSING;
      current = (current as Record<string, unknown>)[token];
    } else {
      return MISSING;
    }
  }
  return current;
}

export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${escaped}$`, 's');
}

function compare(actual: unknown, expected: unknown): number | null {
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  return null;
}

function lengthOf(value: unknown): number | null {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  return null;
}

/** One predicate against the arguments. A missing path satisfies `absent` and nothing else, `ne` included. */
export function evaluatePredicate(args: unknown, predicate: ArgPredicate): boolean {
  const actual = resolvePointer(args, predicate.path);
  if (predicate.op === 'absent') return actual === MISSING;
  if (actual === MISSING) return false;
  const expected = predicate.value;
  switch (predicate.op) {
    case 'exists':
      return true;
    case 'eq':
      return canonicalJson(actual) === canonicalJson(expected);
    case 'ne':
      return canonicalJson(actual) !== canonicalJson(expected);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const order = compare(actual, expected);
      if (order === null) return false;
      if (predicate.op === 'lt') return order < 0;
      if (predicate.op === 'lte') return order <= 0;
      if (predicate.op === 'gt') return order > 0;
      return order >= 0;
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(expected)) return false;
      const needle = canonicalJson(actual);
      const found = expected.some((candidate) => canonicalJson(candidate) === needle);
      return predicate.op === 'in' ? found : !found;
    }
    case 'prefix':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    case 'like':
      return typeof actual === 'string' && typeof expected === 'string' && globToRegExp(expected).test(actual);
    case 'max_length': {
      const length = lengthOf(actual);
      return length !== null && typeof expected === 'number' && length <= expected;
    }
  }
  return false;
}

/** All predicates must hold (an empty list holds). Returns the index of the first failing one, or -1. */
export function firstFailingPredicate(args: unknown, predicates: readonly ArgPredicate[]): number {
  for (let i = 0; i < predicates.length; i++) {
    if (!evaluatePredicate(args, predicates[i] as ArgPredicate)) return i;
  }
  return -1;
}
