/**
 * Issue 13 §2 ("the contracts describe both envelopes") and "Each dialect gets its own error envelope from the
 * catalog": real refusals of `/v1/messages` and `/api/chat` from a running gateway (bad input, failed
 * authentication) hold against the checked-in `contracts/schemas/anthropic-error.schema.json` and
 * `ollama-error.schema.json`, and each envelope's schema rejects the other envelopes, so the contract tells them
 * apart. None of these requests is carried out upstream.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractValidator } from '../../helpers/contract-schemas.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

const BODY_LIMIT = 64 * 1024;
const ENVELOPES = ['error', 'anthropic-error', 'ollama-error'] as const;
type Envelope = (typeof ENVELOPES)[number];

/** How a case authenticates: the test key, no credentials, or a well-formed key the gateway never issued. */
type Credential = 'key' | 'none' | 'unknown';

interface Refusal {
  name: string;
  path: string;
  credential: Credential;
  body: unknown;
  status: number;
  code: string;
  envelope: Envelope;
}

const hi = [{ role: 'user', content: 'hi' }];

const REFUSALS: Refusal[] = [
  {
    name: 'malformed JSON',
    path: '/v1/messages',
    credential: 'key',
    body: '{"model": "claude", "messages": ',
    status: 400,
    code: 'invalid_json',
    envelope: 'anthropic-error',
  },
  {
    name: 'no max_tokens',
    path: '/v1/messages',
    credential: 'key',
    body: { model: 'claude', messages: hi },
    status: 400,
    code: 'invalid_request',
    envelope: 'anthropic-error',
  },
  {
    name: 'an oversized body',
    path: '/v1/messages',
    credential: 'key',
    body: { model: 'claude', max_tokens: 8, messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT) }] },
    status: 413,
    code: 'body_too_large',
    envelope: 'anthropic-error',
  },
  {
    name: 'an unknown model',
    path: '/v1/messages',
    credential: 'key',
    body: { model: 'nope', max_tokens: 8, messages: hi },
    status: 404,
    code: 'model_not_found',
    envelope: 'anthropic-error',
  },
  {
    name: 'no credentials',
    path: '/v1/messages',
    credential: 'none',
    body: { model: 'claude', max_tokens: 8, messages: hi },
    status: 401,
    code: 'missing_api_key',
    envelope: 'anthropic-error',
  },
  {
    name: 'a key never issued',
    path: '/v1/messages',
    credential: 'unknown',
    body: { model: 'claude', max_tokens: 8, messages: hi },
    status: 401,
    code: 'invalid_api_key',
    envelope: 'anthropic-error',
  },
  {
    name: 'malformed JSON',
    path: '/api/chat',
    credential: 'key',
    body: '{"model": "llama", "messages": ',
    status: 400,
    code: 'invalid_json',
    envelope: 'ollama-error',
  },
  {
    name: 'messages of the wrong shape',
    path: '/api/chat',
    credential: 'key',
    body: { model: 'llama', messages: 'hi' },
    status: 400,
    code: 'invalid_request',
    envelope: 'ollama-error',
  },
  {
    name: 'no credentials',
    path: '/api/chat',
    credential: 'none',
    body: { model: 'llama', messages: hi },
    status: 401,
    code: 'missing_api_key',
    envelope: 'ollama-error',
  },
  {
    name: 'a key never issued',
    path: '/api/chat',
    credential: 'unknown',
    body: { model: 'llama', messages: hi },
    status: 401,
    code: 'invalid_api_key',
    envelope: 'ollama-error',
  },
  {
    name: 'a key never issued',
    path: '/v1/chat/completions',
    credential: 'unknown',
    body: { model: 'llama', messages: hi },
    status: 401,
    code: 'invalid_api_key',
    envelope: 'error',
  },
];

describe("every dialect's error envelope holds against its contract", () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;
  const validators = Object.fromEntries(ENVELOPES.map((name) => [name, contractValidator(name)])) as Record<
    Envelope,
    (value: unknown) => string | null
  >;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      env: { GATEHOUSE_BODY_LIMIT: String(BODY_LIMIT) },
      file: {
        upstreams: [
          { id: 'claude', provider: 'anthropic', base_url: upstream.origin, api_keys: ['sk-ant-x'] },
          { id: 'ollama', provider: 'ollama', base_url: upstream.origin },
        ],
        models: [
          { name: 'claude', targets: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }] },
          { name: 'llama', targets: [{ upstream: 'ollama', model: 'llama3.1:8b' }] },
        ],
      },
    });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  function credentialHeaders(path: string, credential: Credential): Record<string, string> {
    if (credential === 'none') return {};
    const secret = credential === 'key' ? key : 'gh_not_a_key';
    // Anthropic clients send x-api-key; the other dialects' clients send a bearer token.
    return path.startsWith('/v1/messages') ? { 'x-api-key': secret } : { authorization: `Bearer ${secret}` };
  }

  it.each(REFUSALS.map((refusal) => [`${refusal.path}: ${refusal.name}`, refusal] as const))(
    '%s',
    async (_name, refusal) => {
      const response = await request(`${gw.baseUrl}${refusal.path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(refusal.path.startsWith('/v1/messages') ? { 'anthropic-version': '2023-06-01' } : {}),
          ...credentialHeaders(refusal.path, refusal.credential),
        },
        body: typeof refusal.body === 'string' ? refusal.body : JSON.stringify(refusal.body),
      });
      const body = (await response.body.json()) as unknown;
      expect(response.statusCode).toBe(refusal.status);
      expect(response.headers['x-gatehouse-error-code']).toBe(refusal.code);
      expect(validators[refusal.envelope](body)).toBeNull();
      for (const other of ENVELOPES.filter((name) => name !== refusal.envelope)) {
        expect(validators[other](body), `${other} must reject it`).not.toBeNull();
      }
      if (refusal.envelope !== 'ollama-error') {
        expect((body as { error: { code: string } }).error.code).toBe(refusal.code);
      }
      // The gateway's readiness probes GET the model listings; no call was carried out.
      expect(upstream.requests.filter((seen) => seen.method !== 'GET')).toEqual([]);
    },
  );
});
