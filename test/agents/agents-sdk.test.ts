/**
 * Issue 13 "Done when": the OpenAI Agents SDK (`@openai/agents`, Responses API model) runs an agent with a
 * function tool through Gatehouse: the model asks for the tool, the SDK runs it and sends its output back, the
 * model answers. Offline, against the loopback fakes (native Responses passthrough, chat and Ollama translation).
 * The SDK is installed by scripts/ci-agents.sh next to the CLIs, not as a project dependency.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway } from '../integration/llm/support.ts';
import { AGENT_MODELS, agentGatewayConfig, agentsDir } from './support.ts';

/** The slice of the SDK's API this suite uses (it is loaded from the agents directory at run time). */
interface AgentsSdk {
  Agent: new (options: { name: string; instructions: string; model: string; tools: unknown[] }) => unknown;
  Runner: new (options: {
    modelProvider: unknown;
    tracingDisabled: boolean;
  }) => {
    run(agent: unknown, input: string): Promise<{ finalOutput?: unknown }>;
  };
  OpenAIProvider: new (options: { baseURL: string; apiKey: string; useResponses: boolean }) => unknown;
  tool(options: {
    name: string;
    description: string;
    parameters: unknown;
    strict: boolean;
    execute: (input: unknown) => Promise<string>;
  }): unknown;
  setTracingDisabled(disabled: boolean): void;
}

async function loadSdk(): Promise<AgentsSdk> {
  const entry = join(agentsDir(), 'node_modules', '@openai', 'agents', 'dist', 'index.mjs');
  if (!existsSync(entry)) throw new Error(`@openai/agents not found at ${entry}: run scripts/ci-agents.sh`);
  return (await import(pathToFileURL(entry).href)) as AgentsSdk;
}

describe('OpenAI Agents SDK through Gatehouse', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let sdk: AgentsSdk;
  let key: string;

  beforeAll(async () => {
    sdk = await loadSdk();
    sdk.setTracingDisabled(true);
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: agentGatewayConfig(upstream.origin) });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  it.each(['native', 'chat', 'ollama'] as const)('runs an agent with a tool call (%s upstream)', async (kind) => {
    const calls: unknown[] = [];
    const weather = sdk.tool({
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
      strict: true,
      execute: async (input) => {
        calls.push(input);
        // The model's next turn answers in text.
        upstream.toolCall = null;
        return '18°C and sunny';
      },
    });
    const agent = new sdk.Agent({
      name: 'Forecaster',
      instructions: 'Answer briefly.',
      model: AGENT_MODELS[kind],
      tools: [weather],
    });
    const provider = new sdk.OpenAIProvider({ baseURL: `${gw.baseUrl}/v1`, apiKey: key, useResponses: true });
    const runner = new sdk.Runner({ modelProvider: provider, tracingDisabled: true });
    upstream.toolCall = { name: 'get_weather', arguments: '{"city":"Paris"}' };
    const result = await runner.run(agent, 'Weather in Paris?');
    expect(calls).toEqual([{ city: 'Paris' }]);
    expect(result.finalOutput).toBe('Hello from the fake upstream.');
    const posts = upstream.requests.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(2);
    // The second turn carried the tool's output back to the model, in the upstream's own dialect.
    expect(JSON.stringify(posts[1]?.body)).toContain('18°C and sunny');
  });
});
