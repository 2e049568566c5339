import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../../../domain/canonical-json.ts';
import { principalRef } from '../../authorizer.ts';
import { httpError } from '../../errors.ts';

export interface Page<T> {
  object: 'list';
  data: T[];
  next_cursor: string | null;
}

/**
 * Cursor pagination over id-ordered rows (ids are UUIDv7, so id order is creation order). The cursor is the last
 * id of the page, base64url-encoded so clients treat it as opaque.
 */
export function paginate<T>(rows: T[], idOf: (row: T) => string, query: { limit?: number; cursor?: string }): Page<T> {
  const limit = query.limit ?? 100;
  let after: string | null = null;
  if (query.cursor) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!/^[0-9a-z:._@-]{1,200}$/i.test(after))
      throw httpError('invalid_request', { detail: 'cursor is malformed' }, 'cursor');
  }
  const start = after === null ? 0 : rows.findIndex((row) => idOf(row) > (after as string));
  const slice = start === -1 ? [] : rows.slice(start, start + limit);
  const last = slice.at(-1);
  const more = start !== -1 && start + limit < rows.length;
  return {
    object: 'list',
    data: slice,
    next_cursor: more && last ? Buffer.from(idOf(last)).toString('base64url') : null,
  };
}

/** Strong ETag of a resource version; `If-Match` with any other value is refused (no silent lost updates). */
export function etagOf(kind: string, version: string | number): string {
  return `"${kind}-${version}"`;
}

export function checkIfMatch(request: FastifyRequest, current: string): void {
  const ifMatch = request.headers['if-match'];
  if (ifMatch === undefined || ifMatch === '*') return;
  const candidates = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (!candidates.includes(current)) throw httpError('precondition_failed', { current });
}

export interface IdempotencyStore {
  /** The stored response for this caller's key, null when new; throws when the key was used for another body. */
  lookup(scope: string, key: string, requestHash: string): Promise<{ status: number; body: unknown } | null>;
  save(scope: string, key: string, requestHash: string, status: number, body: unknown): Promise<void>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Runs a create at most once per `Idempotency-Key`: a retry with the same key and body gets the first response;
 * the same key with another body is 409. Without the header the create simply runs.
 */
export async function withIdempotency(
  store: IdempotencyStore,
  request: FastifyRequest,
  reply: FastifyReply,
  create: () => Promise<{ status: number; body: unknown }>,
): Promise<unknown> {
  const key = request.headers['idempotency-key'];
  if (key === undefined) {
    const result = await create();
    reply.code(result.status);
    return result.body;
  }
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw httpError('idempotency_key_invalid', {}, 'idempotency-key');
  }
  const principal = request.gh.principal;
  const scope = `${principal ? principalRef(principal) : 'anonymous'} ${request.method} ${request.routeOptions.url}`;
  const requestHash = createHash('sha256')
    .update(canonicalJson({ params: request.params, body: request.body ?? null }))
    .digest('hex');
  const previous = await store.lookup(scope, key, requestHash);
  if (previous) {
    reply.header('idempotent-replayed', 'true');
    reply.code(previous.status);
    return previous.body;
  }
  const result = await create();
  await store.save(scope, key, requestHash, result.status, result.body);
  reply.code(result.status);
  return result.body;
}

export const ListQuerySchema = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    cursor: { type: 'string', maxLength: 400 },
  },
  additionalProperties: false,
} as const;
