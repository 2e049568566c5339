/**
 * Real MCP SDK clients of both majors (1.x `@modelcontextprotocol/sdk`, 2025 sessions; 2.x `@modelcontextprotocol/
 * client` in both eras) through the gateway's per-server endpoint, to the conformance fixture served over stdio
 * (era probed: 2026-07-28), over HTTP pinned to 2025 sessions and over HTTP pinned to 2026-07-28: every relayed
 * feature, including sampling, elicitation and roots round trips, progress and log messages.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/gateway.ts';
import { FIXTURE_ENTRY as FIXTURE, startFixtureHttp } from '../integration/mcp/fixture.ts';
import { keyAllowedEverything, startMcpGateway } from '../integration/mcp/support.ts';

const CAPABILITIES = { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } };

/** What every client flavour must do, whatever SDK major it comes from. */
interface TestClient {
  callText(
    name: string,
    args?: Record<string, unknown>,
    options?: { onProgress?: () => void; signal?: AbortSignal },
  ): Promise<string>;
  listNames(kind: 'tools' | 'prompts' | 'resources' | 'templates'): Promise<string[]>;
  promptText(name: string, args?: Record<string, string>): Promise<string>;
  readText(uri: string): Promise<string>;
  complete(prompt: string, argument: string, value: string): Promise<string[]>;
  logs: string[];
  close(): Promise<void>;
}

const ANSWERS = {
  sampling: { role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'test-model' },
  elicitation: { action: 'accept', content: { response: 'yes', name: 'Ada' } },
  roots: { roots: [{ uri: 'file:///work', name: 'work' }] },
};

/** The calls whose shape is the same in both SDK majors. */
interface SdkClient {
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  listPrompts(): Promise<{ prompts: Array<{ name: string }> }>;
  listResources(): Promise<{ resources: Array<{ uri: string }> }>;
  listResourceTemplates(): Promise<{ resourceTemplates: Array<{ uriTemplate: string }> }>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<{
    messages: Array<{ content: unknown }>;
  }>;
  readResource(params: { uri: string }): Promise<{ contents: Array<object> }>;
  complete(params: {
    ref: { type: 'ref/prompt'; name: string };
    argument: { name: string; value: string };
  }): Promise<{ completion: { values: string[] } }>;
  close(): Promise<void>;
}

function shared(client: SdkClient): Omit<TestClient, 'callText' | 'logs'> {
  return {
    async listNames(kind) {
      if (kind === 'tools') return (await client.listTools()).tools.map((tool) => tool.name);
      if (kind === 'prompts') return (await client.listPrompts()).prompts.map((prompt) => prompt.name);
      if (kind === 'resources') return (await client.listResources()).resources.map((resource) => resource.uri);
      return (await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    },
    async promptText(name, args) {
      const result = await client.getPrompt({ name, ...(args ? { arguments: args } : {}) });
      return result.messages.map((message) => (message.content as { text?: string }).text ?? '').join('');
    },
    async readText(uri) {
      const contents = (await client.readResource({ uri })).contents as Array<{ text?: string }>;
      return contents.map((item) => item.text ?? '').join('');
    },
    async complete(name, argument, value) {
      const result = await client.complete({ ref: { type: 'ref/prompt', name }, argument: { name: argument, value } });
      return result.completion.values;
    },
    close: () => client.close(),
  };
}

async function clientV1(url: string, key: string): Promise<TestClient> {
  const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: CAPABILITIES });
  const logs: string[] = [];
  client.setRequestHandler(CreateMessageRequestSchema, async () => ANSWERS.sampling as never);
  client.setRequestHandler(ElicitRequestSchema, async () => ANSWERS.elicitation as never);
  client.setRequestHandler(ListRootsRequestSchema, async () => ANSWERS.roots);
  client.setNotificationHandler(LoggingMessageNotificationSchema, async (note) => {
    logs.push(String(note.params.data));
  });
  await client.connect(new TransportV1(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return {
    logs,
    async callText(name, args = {}, options = {}) {
      const result = await client.callTool({ name, arguments: args }, undefined, {
        ...(options.onProgress ? { onprogress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return (result.content as Array<{ text?: string }>).map((item) => item.text ?? '').join('');
    },
    ...shared(client),
  };
}

async function clientV2(url: string, key: string, era: 'modern' | 'legacy'): Promise<TestClient> {
  const client = new ClientV2(
    { name: `sdk-v2-${era}`, version: '2.0.0' },
    {
      capabilities: CAPABILITIES,
      versionNegotiation: era === 'modern' ? { mode: { pin: '2026-07-28' } } : { mode: 'legacy' },
    },
  );
  const logs: string[] = [];
  client.setRequestHandler('sampling/createMessage', async () => ANSWERS.sampling as never);
  client.setRequestHandler('elicitation/create', async () => ANSWERS.elicitation as never);
  client.setRequestHandler('roots/list', async () => ANSWERS.roots);
  client.setNotificationHandler('notifications/message', async (note) => {
    logs.push(String(note.params.data));
  });
  await client.connect(new TransportV2(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  const modern = era === 'modern';
  return {
    logs,
    async callText(name, args = {}, options = {}) {
      const result = await client.callTool(
        // 2026-07-28 delivers log messages only to a request that asks for them.
        { name, arguments: args, ...(modern ? { _meta: { 'io.modelcontextprotocol/logLevel': 'debug' } } : {}) },
        {
          ...(options.onProgress ? { onprogress: options.onProgress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      return (result.content as Array<{ text?: string }>).map((item) => item.text ?? '').join('');
    },
    ...shared(client),
  };
}

const CLIENTS = {
  'SDK 1.x (2025 session)': (url: string, key: string) => clientV1(url, key),
  'SDK 2.x (2025 session)': (url: string, key: string) => clientV2(url, key, 'legacy'),
  'SDK 2.x (2026-07-28)': (url: string, key: string) => clientV2(url, key, 'modern'),
};

describe('MCP SDK clients of both majors through /mcp/servers/{id}, to upstreams of both eras and transports', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let fixture: Awaited<ReturnType<typeof startFixtureHttp>>;
  let key: string;

  beforeAll(async () => {
    fixture = await startFixtureHttp();
    ctx = await startMcpGateway({
      stdio_allowed_commands: [process.execPath],
      servers: [
        {
          id: 'stdio',
          transport: 'stdio',
          command: process.execPath,
          args: ['--import', 'tsx', FIXTURE, 'stdio'],
          cwd: REPO_ROOT,
        },
        { id: 'http-2025', transport: 'streamable_http', url: fixture.url, era: 'legacy' },
        { id: 'http-2026', transport: 'streamable_http', url: fixture.url, era: 'modern' },
      ],
    });
    key = await keyAllowedEverything(ctx.gateway);
  }, 60_000);
  afterAll(async () => {
    await ctx?.dispose();
    await fixture?.stop();
  });

  for (const server of ['stdio', 'http-2025', 'http-2026']) {
    for (const [flavour, connect] of Object.entries(CLIENTS)) {
      it(`${flavour} → ${server}: tools, prompts, resources, completion, logs, progress, sampling, elicitation, roots`, async () => {
        const client = await connect(`${ctx.gateway.baseUrl}/mcp/servers/${server}`, key);
        try {
          expect(await client.listNames('tools')).toContain('test_simple_text');
          expect(await client.callText('test_simple_text')).toBe('This is a simple text response for testing.');
          expect(await client.listNames('prompts')).toContain('test_prompt_with_arguments');
          expect(await client.promptText('test_prompt_with_arguments', { arg1: 'a', arg2: 'b' })).toBe(
            "Prompt with arguments: arg1='a', arg2='b'",
          );
          expect(await client.listNames('resources')).toContain('test://static-text');
          expect(await client.listNames('templates')).toEqual(['test://template/{id}/data']);
          expect(await client.readText('test://static-text')).toBe('This is the content of the static text resource.');
          expect(await client.readText('test://template/7/data')).toContain('"id":"7"');
          expect(await client.complete('test_prompt_with_arguments', 'arg1', 'al')).toEqual(['alpha']);

          const progress: number[] = [];
          await client.callText('test_tool_with_progress', {}, { onProgress: () => progress.push(1) });
          expect(progress).toHaveLength(3);
          await client.callText('test_tool_with_logging');
          expect(client.logs).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);

          expect(await client.callText('test_sampling', { prompt: 'Capital of France?' })).toBe('LLM response: Paris');
          expect(await client.callText('test_elicitation', { message: 'ok?' })).toContain('action=accept');
          expect(await client.callText('test_input_required_result_list_roots')).toBe(
            'Client exposed 1 root(s): file:///work',
          );
        } finally {
          await client.close();
        }
      }, 60_000);
    }
  }
});
