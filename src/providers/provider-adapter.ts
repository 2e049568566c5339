import type { Dialect, ListedModel, LlmOperation, UpstreamKind, UpstreamSpec } from '../domain/routing/index.ts';

/** One HTTP request to an upstream, relative to its origin. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path plus query string, starting with `/`. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** An upstream as the adapter sees it: its spec and the path prefix taken from `base_url`. */
export interface UpstreamBase {
  spec: UpstreamSpec;
  origin: string;
  /** `base_url`'s path without a trailing slash (`/v1`, `/openai`, or empty). */
  basePath: string;
}

/**
 * The boundary between the router and one kind of LLM upstream.
 *
 * An adapter knows how a kind of upstream spells URLs, credentials and model listings. It does no I/O:
 * the router owns the undici Pool per origin, timers, retries and key rotation, and translation between wire
 * dialects happens before `buildRequest` (so an adapter only receives operations of its own `dialect`, or of a
 * dialect its upstream declares it serves: `responses.*` on an `openai` upstream with `responses_api`).
 *
 * Contract for implementers:
 * - `buildRequest` must put the API key only where the upstream expects it (never in the path or body) and
 *   must not add client-supplied headers: nothing from the client reaches the upstream but the body, and the
 *   protocol headers a same-dialect plan allow-lists (`anthropic-version`, `anthropic-beta`), which the router
 *   sets over the request the adapter built.
 * - Requests must not ask for compression: the gateway relays stream bytes as they arrive and sniffs them.
 * - `readModelList` must accept any JSON and return an empty list, not throw, on an unexpected shape.
 * - Adding an adapter means a folder `src/providers/<kind>/` whose `index.ts` exports one object implementing
 *   this interface, plus one line in `src/providers/registry.ts`.
 */
export interface ProviderAdapter {
  readonly kind: UpstreamKind;
  /** The wire family the upstream speaks. */
  readonly dialect: Dialect;
  /** Builds the request for one operation of this adapter's dialect. `model` is the upstream's model name. */
  buildRequest(
    base: UpstreamBase,
    operation: LlmOperation,
    model: string,
    body: Buffer,
    stream: boolean,
    apiKey: string | null,
  ): UpstreamRequest;
  /** The request that lists the upstream's models; also used as the light health probe. */
  buildListModelsRequest(base: UpstreamBase, apiKey: string | null): UpstreamRequest;
  readModelList(body: unknown): ListedModel[];
  /** Native model description (`/api/show`), when the upstream has one. */
  buildShowRequest?(base: UpstreamBase, model: string, apiKey: string | null): UpstreamRequest;
}

/** Resolves `base_url` into the origin (one undici Pool each) and the path prefix. */
export function resolveUpstreamBase(spec: UpstreamSpec): UpstreamBase {
  const url = new URL(spec.base_url);
  return { spec, origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

export function jsonHeaders(spec: UpstreamSpec, accept: string): Record<string, string> {
  return { ...spec.headers, 'content-type': 'application/json', accept, 'accept-encoding': 'identity' };
}
