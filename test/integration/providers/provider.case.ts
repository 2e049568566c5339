/**
 * The provider adapter contract as one suite, run by every adapter (`openai.test.ts`, `azure-openai.test.ts`,
 * `ollama.test.ts`, …): a call in the adapter's own dialect against a real loopback fake of that kind of upstream,
 * as JSON and as a stream, with usage, each failure class, timeouts and a client abort. Translation between
 * dialects is tested elsewhere; here the client speaks what the upstream speaks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LlmOperation, UpstreamKind } from '../../../src/domain/routing/index.ts';
import {
  createLlmRouter,
  type LlmCall,
  type LlmRouter,
  type ModelGroupSpec,
  type RoutingConfig,
  UpstreamError,
} from '../../../src/providers/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream, type RecordedRequest } from '../../helpers/fake-llm-upstream.ts';
import { RecordingTrace } from '../../helpers/recording-trace.ts';
import { MemorySink, noSleep, readJson, readStream, testCall } from './support.ts';

/** How one kind of upstream looks on the wire, for the contract's assertions. */
export interface ProviderCase {
  kind: UpstreamKind;
  /** The upstream entry pointing at the fake, with these API keys. */
  upstream(fake: FakeLlmUpstream, apiKeys: string[]): RoutingConfig['upstreams'][number];
  /** The chat operation of the adapter's own dialect. */
  operation: LlmOperation;
  /** A chat body in that dialect. */
  chatBody(stream: boolean): Record<string, unknown>;
  /** The path (without query) the fake receives a chat call on, for target model `model`. */
  chatPath(model: string): string;
  /** The API key as the upstream received it, or undefined. */
  keyOf(request: RecordedRequest): string | undefined;
  /** The model name the upstream received (in the body or, for Azure, the path). */
  modelOf(request: RecordedRequest): string | undefined;
  /** The generated text of a JSON reply. */
  replyText(reply: Record<string, unknown>): string;
  /** A stream body read back: its text, whether it ended with the dialect's terminal marker, its in-band error. */
  readStream(body: string): { text: string; terminated: boolean; error: string | null };
  /**
   * The stream reports the prompt's usage in its first event (Anthropic's `message_start`), so a stream cut
   * early has usage the upstream reported rather than an estimate.
   */
  usageAtStart?: boolean;
}

const TARGET = 'target-model';
const GROUP: ModelGroupSpec = { name: 'chat', targets: [{ upstream: 'up', model: TARGET }] };

export function describeProviderContract(name: string, provider: ProviderCase): void {
  describe(`provider contract: ${name}`, () => {
    let fake: FakeLlmUpstream;
    let router: LlmRouter;
    const keys = ['sk-contract-key-one', 'sk-contract-key-two'];

    function route(group: Partial<ModelGroupSpec> = {}): LlmRouter {
      return createLlmRouter({
        upstreams: [provider.upstream(fake, keys)],
        models: [{ ...GROUP, ...group }],
        sleep: noSleep,
      });
    }

    function call(requestId: string, stream: boolean, extra: Partial<LlmCall> = {}): LlmCall {
      return testCall({
        requestId,
        operation: provider.operation,
        model: 'chat',
        body: provider.chatBody(stream),
        ...extra,
      });
    }

    async function replaceRouter(group: Partial<ModelGroupSpec>): Promise<void> {
      await router.close();
      router = route(group);
    }

    beforeAll(async () => {
      fake = await createFakeLlmUpstream();
      fake.replyText = 'one two three four five';
      router = route();
    });
    afterAll(async () => {
      await router.close();
      await fake.close();
    });
    beforeEach(async () => {
      fake.reset();
      fake.omitUsage = false;
      await replaceRouter({});
    });

    it('JSON: sends the target model and key where the upstream expects them, passes the reply through', async () => {
      const result = await router.executeWithFailover(call('json', false));
      expect(provider.replyText(readJson(result))).toBe(fake.replyText);
      const seen = fake.requests[0] as RecordedRequest;
      expect(seen.path.split('?')[0]).toBe(provider.chatPath(TARGET));
      expect(provider.modelOf(seen)).toBe(TARGET);
      expect(provider.keyOf(seen)).toBe(keys[0]);
      expect(result.audit).toMatchObject({ upstream: 'up', target: TARGET, outcome: 'ok', truncated: false });
    });

    it('stream: relays every event and ends with the terminal marker', async () => {
      const { text, audit, sink } = await readStream(await router.executeWithFailover(call('stream', true)));
      const read = provider.readStream(text);
      expect(read).toEqual({ text: fake.replyText, terminated: true, error: null });
      expect(sink.ended).toBe(true);
      expect(audit).toMatchObject({ outcome: 'ok', truncated: false });
      expect(audit.ttft_ms).not.toBeNull();
    });

    it('usage: reads what the upstream reports, JSON and streamed, and estimates when it reports none', async () => {
      const words = fake.replyText.split(' ').length;
      const json = await router.executeWithFailover(call('u1', false));
      expect(json.audit).toMatchObject({ usage_estimated: false, usage: { completion_tokens: words } });
      expect(json.audit.usage?.prompt_tokens).toBeGreaterThan(0);
      const streamed = await readStream(await router.executeWithFailover(call('u2', true)));
      expect(streamed.audit).toMatchObject({ usage_estimated: false, usage: { completion_tokens: words } });
      fake.omitUsage = true;
      const estimated = await readStream(await router.executeWithFailover(call('u3', true)));
      expect(estimated.audit.usage_estimated).toBe(true);
      expect(estimated.audit.usage?.completion_tokens).toBeGreaterThan(0);
    });

    it('errors: a 400 is not retried and keeps its (redacted) message; 401 and 429 rotate to the next key', async () => {
      const body = JSON.stringify({ error: { message: `prompt too long for ${keys[0]}`, type: 'invalid_request' } });
      fake.fail({ type: 'status', status: 400, body });
      const rejected = (await router.executeWithFailover(call('e1', false)).catch((e: unknown) => e)) as UpstreamError;
      expect(rejected).toBeInstanceOf(UpstreamError);
      expect(rejected.code).toBe('upstream_rejected');
      expect(rejected.message).toContain('prompt too long');
      expect(rejected.message).not.toContain(keys[0]);
      expect(fake.requests).toHaveLength(1);

      await replaceRouter({});
      fake.reset();
      fake.fail({ type: 'status', status: 401 }, { when: (request) => provider.keyOf(request) === keys[0] });
      const rotated = await router.executeWithFailover(call('e2', false));
      expect(rotated.audit.attempts.map((a) => [a.key_index, a.outcome])).toEqual([
        [0, 'upstream_auth_failed'],
        [1, 'ok'],
      ]);

      await replaceRouter({});
      fake.reset();
      fake.fail(
        { type: 'status', status: 429, headers: { 'retry-after': '7' } },
        { when: (request) => provider.keyOf(request) === keys[0] },
      );
      const limited = await router.executeWithFailover(call('e3', false));
      expect(limited.audit.attempts.map((a) => a.outcome)).toEqual(['upstream_rate_limited', 'ok']);
    });

    it('errors: 5xx and garbage are retried, then fail as unavailable and bad response', async () => {
      await replaceRouter({ retries: 1 });
      fake.fail({ type: 'status', status: 503 }, { times: 2 });
      const down = (await router.executeWithFailover(call('e4', false)).catch((e: unknown) => e)) as UpstreamError;
      expect([down.code, down.status, down.audit?.attempts.length]).toEqual(['upstream_unavailable', 502, 2]);
      await replaceRouter({ retries: 0 });
      fake.fail({ type: 'garbage' });
      const garbage = (await router.executeWithFailover(call('e5', false)).catch((e: unknown) => e)) as UpstreamError;
      expect(garbage.code).toBe('upstream_bad_response');
    });

    it('timeouts: no answer within the deadline is upstream_timeout; a stalled stream ends truncated in-band', async () => {
      await replaceRouter({ timeout_ms: 200, retries: 0 });
      fake.fail({ type: 'hang' });
      const hung = (await router.executeWithFailover(call('t1', false)).catch((e: unknown) => e)) as UpstreamError;
      expect(hung.code).toBe('upstream_timeout');
      await replaceRouter({ idle_timeout_ms: 200, retries: 0 });
      fake.fail({ type: 'stall', afterChunks: 2 });
      const { text, audit } = await readStream(await router.executeWithFailover(call('t2', true)));
      const read = provider.readStream(text);
      expect(read.terminated).toBe(false);
      expect(read.error).not.toBeNull();
      expect(audit).toMatchObject({ truncated: true, outcome: 'truncated', error_code: 'upstream_timeout' });
    });

    it('trace: each attempt is a GenAI client span whose own traceparent the upstream receives', async () => {
      const trace = new RecordingTrace();
      fake.fail({ type: 'status', status: 401 }, { when: (request) => provider.keyOf(request) === keys[0] });
      const json = await router.executeWithFailover(call('tr1', false, { trace }));
      expect(json.audit.attempts).toHaveLength(2);
      const [failed, answered] = trace.spans;
      expect(trace.spans).toHaveLength(2);
      expect(fake.requests.map((request) => request.headers.traceparent)).toEqual([
        failed?.traceparent,
        answered?.traceparent,
      ]);
      expect(failed).toMatchObject({ ended: true, errorType: 'upstream_auth_failed', name: `chat ${TARGET}` });
      expect(answered).toMatchObject({ ended: true, errorType: null });
      expect(answered?.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': expect.any(String),
        'gen_ai.request.model': TARGET,
        'gatehouse.model': 'chat',
        'gatehouse.upstream': 'up',
        'gatehouse.attempt': 2,
        'gen_ai.usage.output_tokens': fake.replyText.split(' ').length,
      });
      expect(answered?.attributes['gen_ai.response.finish_reasons']).toEqual([expect.any(String)]);
      expect(answered?.attributes['gen_ai.input.messages']).toBeUndefined();
      expect(JSON.stringify(trace.spans)).not.toContain(keys[0]);

      fake.reset();
      const streamed = new RecordingTrace();
      await readStream(await router.executeWithFailover(call('tr2', true, { trace: streamed, recordContent: true })));
      const [span] = streamed.spans;
      expect(fake.requests[0]?.headers.traceparent).toBe(span?.traceparent);
      expect(span).toMatchObject({ ended: true, errorType: null, events: ['gen_ai.first_token'] });
      expect(span?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(span?.attributes['gen_ai.input.messages']).toEqual(expect.any(String));
      expect(span?.attributes['gen_ai.response.finish_reasons']).toEqual([expect.any(String)]);
    });

    it('abort: a client that goes away aborts the upstream at once and keeps the usage so far', async () => {
      fake.fail({ type: 'stall', afterChunks: 2 });
      const controller = new AbortController();
      const result = await router.executeWithFailover(call('a1', true, { signal: controller.signal }));
      if (result.kind !== 'stream') throw new Error('expected a stream');
      const piped = result.stream.pipeTo(new MemorySink());
      const upstreamAbort = fake.nextAbort();
      controller.abort();
      const audit = await piped;
      expect((await upstreamAbort).aborted).toBe(true);
      expect(audit).toMatchObject({ outcome: 'aborted', error_code: 'client_aborted' });
      expect(audit.usage_estimated).toBe(provider.usageAtStart !== true);
      expect(audit.usage?.prompt_tokens).toBeGreaterThan(0);
    });
  });
}
