import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Usage } from '../../../domain/routing/index.ts';
import type { ClientCall, LlmService } from '../../../llm/index.ts';
import type { PromptLogRecorder } from '../../../prompt-log/index.ts';
import { type CallAudit, type LlmResult, UnknownModelError, UpstreamError } from '../../../providers/index.ts';
import type { RequestContext } from '../../context.ts';
import { GatehouseError } from '../../errors.ts';
import { signalOnDisconnect } from './disconnect-signal.ts';
import { PromptCapture } from './prompt-capture.ts';
import { failedUpstream, toCatalogError } from './upstream-errors.ts';

/** What every LLM route needs; built once at startup. */
export interface LlmRoutesOptions {
  /** Null in apps built without one (some tests): every LLM route then answers 502 `upstream_unavailable`. */
  llm: LlmService | null;
  /** Opt-in prompt logging (issue 18); null or absent: nothing is ever recorded. */
  promptLogs?: PromptLogRecorder | null;
}

export function requireLlm(options: LlmRoutesOptions): LlmService {
  if (options.llm === null) {
    throw new GatehouseError('upstream_unavailable', { values: { detail: 'No LLM service runs in this gateway' } });
  }
  return options.llm;
}

const ZERO_USAGE: Readonly<Usage> = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

function recordCall(context: RequestContext, audit: CallAudit): void {
  if (audit.upstream !== null) {
    context.upstream = { id: audit.upstream, target: audit.target, attempts: audit.attempts.length };
  }
  // Admission settles tokens from this after the response: it is always set, estimated or zero when nothing ran.
  const usage = audit.usage ?? ZERO_USAGE;
  context.usage = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
  };
  if (usage.cache_read_tokens !== undefined) context.usage.cache_read_tokens = usage.cache_read_tokens;
  if (usage.cache_write_tokens !== undefined) context.usage.cache_write_tokens = usage.cache_write_tokens;
  if (usage.reasoning_tokens !== undefined) context.usage.reasoning_tokens = usage.reasoning_tokens;
  context.setMeta('ttft_ms', audit.ttft_ms);
  if (audit.queue_wait_ms !== null) context.setMeta('queue_wait_ms', audit.queue_wait_ms);
  context.setMeta('truncated', audit.truncated);
  context.setMeta('usage_estimated', audit.usage_estimated);
  if (audit.error_code !== null) context.setMeta('upstream_error', audit.error_code);
}

function overheadMs(context: RequestContext, upstreamNs: bigint): string {
  const total = process.hrtime.bigint() - context.startedAt;
  const own = total > upstreamNs ? total - upstreamNs : 0n;
  return (Number(own) / 1e6).toFixed(3);
}

/**
 * Settled once the call's usage is final; the audit event waits on it. A class rather than a `let settle = () =>
 * {}` in the route: tsx's keep-names transform wraps such a named arrow in a `__name` call on every request.
 */
class CallSettlement {
  resolve!: () => void;
  readonly promise = new Promise<void>((resolve) => {
    this.resolve = resolve;
  });
}

async function writeStream(
  request: FastifyRequest,
  reply: FastifyReply,
  result: Extract<LlmResult, { kind: 'stream' }>,
  upstreamNs: bigint,
  capture: PromptCapture | null,
): Promise<void> {
  const context = request.gh;
  reply.hijack();
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  headers['content-type'] = result.contentType;
  headers['cache-control'] = 'no-cache';
  headers['x-gatehouse-overhead-ms'] = overheadMs(context, upstreamNs);
  reply.raw.writeHead(200, headers);
  const audit = await result.stream.pipeTo(capture === null ? reply.raw : capture.tee(reply.raw));
  recordCall(context, audit);
}

/**
 * The operator's copy of an upstream failure: the upstream's id and the real cause (refused connection, timeout,
 * its HTTP status and redacted body), which the client's message leaves out because it carries internal addresses.
 */
function logUpstreamFailure(request: FastifyRequest, error: UpstreamError): void {
  request.log.warn(
    {
      request_id: request.id,
      code: error.code,
      upstream: failedUpstream(error),
      upstream_status: error.upstreamStatus,
      cause: error.cause instanceof Error ? error.cause.message : null,
      attempts: error.audit?.attempts.length ?? 0,
    },
    'upstream call failed',
  );
}

/**
 * Runs one typed call for a route (built and admitted before): failover through the router, then the JSON reply
 * or the piped stream. The audit event waits on `context.pending`, settled here once the usage is final, so a client that
 * disconnects at any point still yields one event with the usage consumed so far.
 */
export async function relayLlmCall(
  request: FastifyRequest,
  reply: FastifyReply,
  llm: LlmService,
  call: ClientCall,
  promptLogs: PromptLogRecorder | null = null,
): Promise<void> {
  const context = request.gh;
  const capture = PromptCapture.forCall(promptLogs, context.principal, context.requestId, call.body);
  const settlement = new CallSettlement();
  context.pending = settlement.promise;
  let upstreamNs = 0n;
  try {
    // Aborts the upstream as soon as the client's connection closes before the response finished.
    call.signal = signalOnDisconnect(reply.raw);
    call.tenant = context.principal?.tenantId ?? null;
    call.trace = context.outbound;
    // Prompt text reaches a span only where it may reach the prompt log: the same opt-in decides both.
    call.recordContent = capture !== null;
    const started = process.hrtime.bigint();
    let result: LlmResult;
    try {
      result = await llm.router.executeWithFailover(call);
    } finally {
      upstreamNs = process.hrtime.bigint() - started;
      context.upstreamNs = upstreamNs;
    }
    if (result.kind === 'stream') {
      await writeStream(request, reply, result, upstreamNs, capture);
      capture?.recordLater(request.log);
      return;
    }
    recordCall(context, result.audit);
    if (capture !== null) {
      capture.keepReply(result.body);
      capture.recordLater(request.log);
    }
    reply.header('x-gatehouse-overhead-ms', overheadMs(context, upstreamNs));
    reply.code(result.status).type(result.contentType).send(result.body);
  } catch (error) {
    if (error instanceof UpstreamError && error.audit !== null) recordCall(context, error.audit);
    if (error instanceof UpstreamError && error.code !== 'client_aborted') logUpstreamFailure(request, error);
    context.usage ??= { ...ZERO_USAGE };
    reply.header('x-gatehouse-overhead-ms', overheadMs(context, upstreamNs));
    if (error instanceof UpstreamError || error instanceof UnknownModelError) throw toCatalogError(error);
    throw error;
  } finally {
    settlement.resolve();
  }
}
