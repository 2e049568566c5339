/**
 * @module The typed admin client, shared by the web console and the CLI. Its types are generated from the
 * gateway's own OpenAPI document (`src/client/openapi.ts`, `npm run client`), so a request or answer that drifts
 * from a route's schemas is a type error in both. Runtime: openapi-fetch over the platform `fetch`.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './openapi.ts';

export type { components, operations, paths };
export type AdminClient = Client<paths>;

/** The catalog error body every failed call carries. */
export type ApiError = components['schemas']['Error']['error'];

export interface AdminClientOptions {
  /** The gateway's origin (`http://127.0.0.1:8080`); empty in the browser, where calls are same-origin. */
  baseUrl: string;
  /** An admin token or JWT sent as a bearer; the console sends none and rides its session cookie instead. */
  token?: string;
  /** The console session's CSRF token, sent on every write. */
  csrfToken?: () => string | null;
  fetch?: typeof fetch;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
  });
  const { csrfToken } = options;
  if (csrfToken) {
    const csrf: Middleware = {
      onRequest({ request }) {
        const token = csrfToken();
        if (token !== null && WRITES.has(request.method)) request.headers.set('x-gatehouse-csrf', token);
        return request;
      },
    };
    client.use(csrf);
  }
  return client;
}

/** The `error` of a failed call, or a synthetic one when the body was not the catalog's shape (a proxy's 502). */
export function errorOf(error: unknown, status: number): ApiError {
  const body = error as { error?: ApiError } | undefined;
  if (body?.error && typeof body.error.message === 'string') return body.error;
  return { message: `The gateway answered HTTP ${status}.`, type: 'api_error', code: 'internal_error', param: null };
}

type Responses<O extends keyof operations> = operations[O]['responses'];

/** The JSON body an operation answers with at `status` (200 unless given): `Answer<'admin.keys.get'>`. */
export type Answer<
  O extends keyof operations,
  S extends keyof Responses<O> = 200 & keyof Responses<O>,
> = Responses<O>[S] extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON body an operation takes: `BodyOf<'admin.keys.create'>`. */
export type BodyOf<O extends keyof operations> = operations[O] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;
