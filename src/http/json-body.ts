/**
 * @module The JSON body parser every route shares (issue 14, "Parsing has limits"). Fastify's default parser
 * accepts any nesting; 5,000 levels then overflowed the stack in a later `JSON.stringify` (a 500) and, on
 * `/mcp`, came back as JSON-RPC -32603 quoting "Maximum call stack size exceeded". Here the depth is counted in
 * one pass over the text before anything parses it, so a deep body costs a scan and gets a 400.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from './errors.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when `text`, read as JSON, opens more than `limit` objects or arrays inside one another. Brackets inside
 * strings do not count. Malformed text is not judged here: the parser that follows rejects it.
 */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  // Nesting deeper than `limit` takes at least `limit + 1` opening brackets.
  if (text.length <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      if (depth > limit) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return false;
}

export function jsonTooDeep(limit: number): GatehouseError {
  return new GatehouseError('json_too_deep', { values: { limit } });
}

type ParseDone = (error: Error | null, body?: unknown) => void;
type TextParser = (request: FastifyRequest, body: string, done: ParseDone) => void;

/**
 * Fastify's own JSON parser (which refuses `__proto__` and `constructor.prototype` keys) behind the depth check.
 * Registered at the root for `application/json`, so every route, and every route added later, gets it; a route
 * family that reads other content types as JSON (Ollama) takes it from `jsonBodyParser`.
 */
export function createJsonBodyParser(app: FastifyInstance, maxDepth: number): TextParser {
  const parse = app.getDefaultJsonParser('error', 'error') as TextParser;
  return function parseJsonBody(request, body, done) {
    if (exceedsJsonDepth(body, maxDepth)) {
      done(jsonTooDeep(maxDepth));
      return;
    }
    parse(request, body, done);
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared, depth-limited JSON body parser (src/http/json-body.ts). */
    jsonBodyParser: TextParser;
    /** Its depth limit, for routes that parse raw bodies themselves (`/mcp`). */
    jsonMaxDepth: number;
  }
}

export function registerJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
  const parser = createJsonBodyParser(app, maxDepth);
  app.decorate('jsonBodyParser', parser);
  app.decorate('jsonMaxDepth', maxDepth);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
}
