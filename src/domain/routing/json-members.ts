/**
 * @module
 * Reads a few top-level members of a large JSON object without parsing the rest, or finds where one lies. A
 * passthrough reply goes to the client as the upstream's bytes; all the gateway needs from it is that it is one
 * JSON object, its usage members, and the place of its `model` (replaced by the public name in the bytes). `JSON.parse` of a 3 MB embeddings reply (100 inputs × 1,536 dimensions) holds the request thread for
 * ~18 ms on the bench machine, and every other request on the instance waits that long; this reads its usage in
 * ~0.6 ms.
 *
 * The check is structural, not a full validation: the text must be one object whose brackets balance, whose
 * strings end, and whose top-level keys are each followed by a colon. The members asked for are parsed in full.
 */
import { NearestByte } from './byte-seek.ts';
import type { JsonObject } from './types.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(bytes: Buffer, from: number): number {
  let i = from;
  while (i < bytes.length && isSpace(bytes[i] as number)) i++;
  return i;
}

/** The index of the quote closing the string opened at `open`, or -1 when it never closes. */
function stringEnd(bytes: Buffer, open: number): number {
  for (let quote = bytes.indexOf(QUOTE, open + 1); quote !== -1; quote = bytes.indexOf(QUOTE, quote + 1)) {
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

/** The end of a number or literal: the next comma, closing bracket or space. */
function primitiveEnd(bytes: Buffer, start: number): number {
  let i = start;
  for (; i < bytes.length; i++) {
    const code = bytes[i] as number;
    if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code)) break;
  }
  return i;
}

/** Quotes and brackets: what the walk stops at. Number arrays and long texts in between are skipped natively. */
const STRUCTURAL = [QUOTE, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET];

/** A key's name, decoded only when it holds an escape or non-ASCII bytes (both rare, and never one of ours). */
function keyName(bytes: Buffer, open: number, close: number): string | null {
  let plain = true;
  for (let i = open + 1; i < close && plain; i++) plain = (bytes[i] as number) < 0x80 && bytes[i] !== BACKSLASH;
  if (plain) return bytes.toString('latin1', open + 1, close);
  try {
    return JSON.parse(bytes.toString('utf8', open, close + 1)) as string;
  } catch {
    return null;
  }
}

function parseMember(into: JsonObject, name: string, body: Buffer, start: number, end: number): boolean {
  try {
    into[name] = JSON.parse(body.toString('utf8', start, end));
    return true;
  } catch {
    return false;
  }
}

/** Sees one top-level member: its key and its value's bytes `[start, end)`. Returns true to stop the walk. */
type MemberVisitor = (name: string, start: number, end: number) => boolean;

const STOPPED = 1;
const COMPLETE = 0;
const INVALID = -1;
type WalkResult = typeof STOPPED | typeof COMPLETE | typeof INVALID;

/**
 * Walks the top-level members of the JSON object opening at the first non-space byte from `from`, in order, until
 * the visitor stops it. COMPLETE means the object closed with nothing but space after it; INVALID that the bytes
 * are not structurally one object (a stopped walk has checked only what came before the member it stopped at).
 */
function walkTopLevel(body: Buffer, from: number, visit: MemberVisitor): WalkResult {
  const start = skipSpace(body, from);
  if (body[start] !== OPEN_BRACE) return INVALID;
  const closers: number[] = [];
  const scanner = new NearestByte(body, STRUCTURAL);
  let open: { name: string; start: number } | null = null;
  for (let at = scanner.find(start); at !== -1; ) {
    const code = body[at] as number;
    if (code === QUOTE) {
      const end = stringEnd(body, at);
      if (end === -1) return INVALID;
      let resume = end + 1;
      // Top-level string values are skipped below, so a string met at depth 1 is always a key.
      if (closers.length === 1) {
        const colon = skipSpace(body, end + 1);
        if (body[colon] !== COLON) return INVALID;
        const valueStart = skipSpace(body, colon + 1);
        const name = keyName(body, at, end);
        if (name === null) return INVALID;
        const first = body[valueStart];
        if (first === OPEN_BRACE || first === OPEN_BRACKET) {
          open = { name, start: valueStart };
          resume = valueStart;
        } else {
          const valueEnd = first === QUOTE ? stringEnd(body, valueStart) + 1 : primitiveEnd(body, valueStart);
          if (valueEnd <= valueStart) return INVALID;
          if (visit(name, valueStart, valueEnd)) return STOPPED;
          resume = valueEnd;
        }
      }
      at = scanner.find(resume);
      continue;
    }
    if (code === OPEN_BRACE) closers.push(CLOSE_BRACE);
    else if (code === OPEN_BRACKET) closers.push(CLOSE_BRACKET);
    else {
      if (closers.pop() !== code) return INVALID;
      if (closers.length === 1 && open !== null) {
        const member = open;
        open = null;
        if (visit(member.name, member.start, at + 1)) return STOPPED;
      }
      if (closers.length === 0) return skipSpace(body, at + 1) === body.length ? COMPLETE : INVALID;
    }
    at = scanner.find(at + 1);
  }
  return INVALID;
}

/**
 * The named top-level members of the JSON object in `body`, parsed (absent ones left out), or null when `body` is
 * not structurally one JSON object or a requested member does not parse.
 */
export function readTopLevelMembers(body: Buffer, names: readonly string[]): JsonObject | null {
  const found: JsonObject = {};
  let parsed = true;
  const result = walkTopLevel(body, 0, (name, start, end) => {
    parsed = !names.includes(name) || parseMember(found, name, body, start, end);
    return !parsed;
  });
  return result === COMPLETE && parsed ? found : null;
}

/** Where a top-level member's value lies in a buffer: bytes `[start, end)`. */
export interface MemberSpan {
  start: number;
  end: number;
}

/**
 * The bytes of the top-level member `name` of the JSON object opening at or after `from` (an SSE event's data, an
 * NDJSON line), when its value is a string; null otherwise. Reads up to that member only, so a value early in a
 * large object costs little, and anything after it (an SSE event's closing blank line) is not looked at.
 */
export function findTopLevelString(body: Buffer, name: string, from = 0): MemberSpan | null {
  let span: MemberSpan | null = null;
  walkTopLevel(body, from, (key, start, end) => {
    if (key !== name) return false;
    if (body[start] === QUOTE) span = { start, end };
    return true;
  });
  return span;
}

/**
 * Calls `visit` with where the value of each member named `needle` (a quoted key) starts, at any depth and in
 * document order, until it returns -1; otherwise it returns where to look on from. No parse: a quote inside a
 * string is always escaped, so an unescaped `"name"` followed by a colon can only be a key.
 */
function visitMembers(body: Buffer, needle: Buffer, from: number, visit: (valueStart: number) => number): void {
  for (let at = body.indexOf(needle, from); at !== -1; at = body.indexOf(needle, at + 1)) {
    let backslashes = 0;
    while (body[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 !== 0) continue;
    const colon = skipSpace(body, at + needle.length);
    if (body[colon] !== COLON) continue;
    const next = visit(skipSpace(body, colon + 1));
    if (next === -1) return;
    at = Math.max(at, next);
  }
}

/**
 * The string values of every member named `name`, at any depth, in document order and at most `limit` of them, in
 * a body `readTopLevelMembers` has checked (a large reply's `choices[].finish_reason`).
 */
export function findStringMembers(body: Buffer, name: string, limit: number): string[] {
  const values: string[] = [];
  if (limit <= 0) return values;
  visitMembers(body, Buffer.from(`"${name}"`), 0, (start) => {
    if (body[start] !== QUOTE) return start;
    const end = stringEnd(body, start);
    if (end === -1) return -1;
    const value = keyName(body, start, end);
    if (value !== null) values.push(value);
    return values.length < limit ? end : -1;
  });
  return values;
}

/**
 * True when every member named by `needle` (a quoted key), at any depth, holds exactly the bytes `value`, or there
 * is none. Then the top-level one, if any, holds them too: a stream's events that already name the public model
 * are recognised with one native search instead of a walk of each event.
 */
export function everyMemberHolds(body: Buffer, needle: Buffer, value: Buffer, from = 0): boolean {
  let holds = true;
  visitMembers(body, needle, from, (start) => {
    const end = start + value.length;
    holds = end <= body.length && body.compare(value, 0, value.length, start, end) === 0;
    return holds ? start + value.length : -1;
  });
  return holds;
}
