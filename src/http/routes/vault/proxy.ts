import { finished } from 'node:stream/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../../domain/principal.ts';
import {
  CredentialUnreadableError,
  findInjectedHeader,
  hashRequest,
  IDEMPOTENT_METHODS,
  isValidIdempotencyKey,
  type ResolvedCredential,
  resolveServicePath,
  type StoredResponse,
  type Vault,
  VaultError,
  type VaultService,
} from '../../../vault/index.ts';
import type { RequestContext } from '../../context.ts';
import { GatehouseError, httpError } from '../../errors.ts';

export interface VaultRoutesOptions {
  /** Null when the gateway runs without a vault: every service is then unknown. */
  vault: Vault | null;
}

type ProxyRequest = FastifyRequest<{ Params: { service: string }; Body: Buffer | undefined }>;

function checkRequest(vault: Vault | null, request: ProxyRequest, principal: Principal) {
  const serviceId = request.params.service;
  const context = request.gh;
  if (vault !== null && !vault.snapshot.isFresh()) throw httpError('vault_unavailable');
  const service = vault?.snapshot.getService(serviceId);
  if (!vault || !service) throw httpError('vault_service_not_found', { service: serviceId.slice(0, 64) });
  context.setMeta('service', service.id);
  if (!vault.snapshot.isGranted(principal.id, service.id)) {
    throw httpError('vault_service_not_granted', { service: service.id });
  }
  if (!service.allowedMethods.has(request.method)) {
    throw httpError('vault_method_not_allowed', { service: service.id, method: request.method });
  }
  const decision = resolveServicePath(request.raw.url ?? '', service.id, service.allowedPaths);
  if (!decision.ok) {
    if (decision.code === 'vault_path_not_allowed') throw httpError(decision.code, { service: service.id });
    throw httpError(decision.code, { detail: decision.detail });
  }
  context.setMeta('path_prefix', decision.prefix);
  const injected = findInjectedHeader(request.headers);
  if (injected !== null) throw httpError('vault_invalid_header', { header: injected.slice(0, 64) });
  const body = Buffer.isBuffer(request.body) ? request.body : null;
  const limit = service.maxRequestBytes;
  if (limit !== null && body !== null && body.length > limit) throw httpError('body_too_large', { limit });
  context.setMeta('bytes_in', body?.length ?? 0);
  return { vault, service, decision, body };
}

async function loadCredential(vault: Vault, service: VaultService, request: ProxyRequest, principal: Principal) {
  const scope = vault.credentials.pickScope(service.id, principal);
  let credential: ResolvedCredential | null = null;
  try {
    credential = scope === null ? null : await vault.credentials.load(service.id, scope);
  } catch (error) {
    if (!(error instanceof CredentialUnreadableError)) throw error;
    // The operator needs the reason; the agent gets a bare 500 with no detail about the credential.
    request.log.error({ err: error, service: service.id, scope, request_id: request.id }, error.message);
    throw httpError('vault_credential_unreadable', { service: service.id });
  }
  if (credential === null) throw httpError('vault_credential_missing', { service: service.id });
  request.gh.setMeta('credential_id', credential.secretId);
  request.gh.setMeta('credential_version', credential.version);
  request.gh.setMeta('credential_scope', credential.scope.split(':')[0] ?? credential.scope);
  return credential;
}

async function enforceRateLimit(vault: Vault, service: VaultService, principal: Principal): Promise<void> {
  const result = await vault.hitRateLimit(principal.id, service);
  if (result === null || result.allowed) return;
  const retryAfter = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
  throw new GatehouseError('vault_rate_limited', {
    values: { service: service.id, retryAfter },
    headers: { 'retry-after': String(retryAfter) },
  });
}

/**
 * The service's answer headers without its CORS ones: a service's CORS statement is about its own origin, and
 * which browser origins may read the gateway's answers is the gateway's `cors:` setting alone (with none, the
 * answer carries no CORS header at all, whatever the service said).
 */
function withoutServiceCors(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith('access-control-')) out[name] = value;
  return out;
}

function sendStored(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  reply.code(stored.status).headers(withoutServiceCors(stored.headers)).header('idempotent-replayed', 'true');
  return reply.send(stored.body);
}

/** Collects up to `limit` bytes of the body for the replay store; null once it is over the limit. */
function captureBody(stream: NodeJS.ReadableStream, limit: number): () => Buffer | null {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  });
  return () => (size <= limit ? Buffer.concat(chunks) : null);
}

async function settleStream(
  context: RequestContext,
  body: { bytes: number; masked: number },
  stream: NodeJS.ReadableStream,
  onDone: (ok: boolean) => Promise<void>,
) {
  let ok = true;
  try {
    await finished(stream);
  } catch {
    ok = false;
  }
  context.setMeta('bytes_out', body.bytes);
  context.setMeta('redactions', body.masked);
  await onDone(ok);
}

export function createProxyHandler({ vault }: VaultRoutesOptions) {
  return async function proxyVaultRequest(request: ProxyRequest, reply: FastifyReply) {
    const context = request.gh;
    const principal = context.principal as Principal;
    const checked = checkRequest(vault, request, principal);
    const { service, decision, body } = checked;
    await enforceRateLimit(checked.vault, service, principal);
    const credential = await loadCredential(checked.vault, service, request, principal);

    const rawKey = request.headers['idempotency-key'];
    let claimId: string | null = null;
    if (rawKey !== undefined && IDEMPOTENT_METHODS.has(request.method)) {
      if (typeof rawKey !== 'string' || !isValidIdempotencyKey(rawKey)) throw httpError('idempotency_key_invalid');
      const target = `${decision.path}?${decision.query}`;
      const claim = await checked.vault.idempotency.claim(
        principal.id,
        service.id,
        rawKey,
        hashRequest(request.method, target, body),
      );
      if (claim.kind === 'mismatch') throw httpError('idempotency_key_reused');
      if (claim.kind === 'in_progress') throw httpError('idempotency_key_in_progress');
      if (claim.kind === 'replay') {
        context.setMeta('idempotent_replay', true);
        context.upstream = { id: service.id, target: service.origin, attempts: 0 };
        return sendStored(reply, claim.response);
      }
      claimId = claim.id;
    }

    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const idempotency = checked.vault.idempotency;
    let response: Awaited<ReturnType<Vault['forward']>>;
    const started = process.hrtime.bigint();
    try {
      response = await checked.vault.forward({
        service,
        credential,
        method: request.method,
        path: decision.path,
        query: decision.query,
        headers: request.headers,
        body,
        signal: controller.signal,
        trace: context.outbound,
      });
    } catch (error) {
      if (claimId !== null) await idempotency.release(claimId).catch(() => {});
      context.upstream = { id: service.id, target: service.origin, attempts: 1 };
      if (error instanceof VaultError) {
        if (error.code === 'vault_token_unavailable' || error.code === 'vault_credential_unreadable') {
          request.log.error({ err: error, service: service.id, request_id: request.id }, error.message);
        }
        throw new GatehouseError(error.code, { values: { service: service.id }, cause: error });
      }
      throw error;
    } finally {
      context.upstreamNs += process.hrtime.bigint() - started;
    }
    context.upstream = { id: service.id, target: service.origin, attempts: response.attempts };
    context.setMeta('upstream_status', response.statusCode);
    context.setMeta('token_refreshed', response.tokenRefreshed);

    const claimed = claimId;
    const storable = claimed !== null && response.statusCode < 500;
    const captured = storable ? captureBody(response.body, idempotency.maxBytes) : null;
    context.pending = settleStream(context, response.body, response.body, async (ok) => {
      if (claimed === null) return;
      const bytes = captured?.() ?? null;
      if (!ok || bytes === null || !storable) {
        await idempotency.release(claimed).catch(() => {});
        return;
      }
      await idempotency
        .complete(claimed, { status: response.statusCode, headers: response.headers, body: bytes })
        .catch((error) =>
          request.log.error({ err: error, request_id: request.id }, 'storing the idempotent response failed'),
        );
    });
    reply.code(response.statusCode).headers(withoutServiceCors(response.headers));
    return reply.send(response.body);
  };
}

/** Raw bodies of any media type pass through untouched (bounded by the gateway's body limit). */
export async function vaultProxyRoutes(app: FastifyInstance, options: VaultRoutesOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, function keepRawBody(_request, body, done) {
    done(null, body);
  });
  const documented = {
    // Documentation only: the proxy neither parses the body nor shapes the answer; both are the service's.
    config: {
      surface: 'vault.proxy',
      body: Type.Unknown({ description: "Forwarded to the service as sent, in any media type (the service's API)." }),
      bodyOptional: true,
    },
    schema: {
      response: {
        200: Type.Unknown({ description: "The service's answer, relayed with its status and allowed headers." }),
      },
    },
  };
  app.all('/vault/:service/*', documented, createProxyHandler(options));
}
