/**
 * Issue 13 "Done when": the real Claude Code CLI (`claude -p`, `ANTHROPIC_BASE_URL` at the gateway, a gateway key
 * as `ANTHROPIC_API_KEY`) completes a prompt through Gatehouse, offline (telemetry, auto-update and other
 * non-essential traffic off, HOME a fresh directory), against a loopback fake Anthropic upstream (passthrough) and
 * an OpenAI-compatible chat fake (translation). Claude Code sends side requests (a title, a quota probe) besides
 * the prompt: the fake answers every one. Run by scripts/ci-agents.sh, which installs the CLI.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { eventually } from '../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../integration/llm/support.ts';
import { agentBin, runAgent } from './support.ts';

const REPLY = 'Hello from the fake upstream.';
const MODELS = { native: 'claude-native', chat: 'claude-chat' } as const;

describe('Claude Code CLI through Gatehouse', () => {
  const claude = agentBin('claude');
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'claude', provider: 'anthropic', base_url: upstream.origin, api_keys: ['sk-ant-fake'] },
          { id: 'chat', provider: 'openai', base_url: `${upstream.origin}/v1` },
        ],
        models: [
          { name: MODELS.native, targets: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }] },
          { name: MODELS.chat, targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }] },
        ],
      },
    });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  it.each(['native', 'chat'] as const)('completes a prompt with a %s upstream', async (kind) => {
    expect(existsSync(claude), `claude CLI not found at ${claude}: run scripts/ci-agents.sh`).toBe(true);
    const home = mkdtempSync(join(tmpdir(), 'claude-home-'));
    const result = await runAgent(claude, ['-p', 'Say hello.', '--model', MODELS[kind]], {
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        CLAUDE_CONFIG_DIR: join(home, '.claude'),
        ANTHROPIC_BASE_URL: gw.baseUrl,
        ANTHROPIC_API_KEY: key,
        ANTHROPIC_SMALL_FAST_MODEL: MODELS[kind],
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_ERROR_REPORTING: '1',
      },
      timeoutMs: 120_000,
    });
    expect(result.stdout, result.stderr).toContain(REPLY);
    expect(result.code).toBe(0);
    const paths = upstream.requests.map((seen) => seen.path.split('?')[0]);
    expect(paths).toContain(kind === 'native' ? '/v1/messages' : '/v1/chat/completions');
    if (kind === 'chat') {
      // Claude Code 2.1.332 sends its environment as a `system` turn inside `messages`: on a chat upstream it must
      // arrive as a system message in its place (after the hoisted top-level system prompt), not as the user's words.
      const turns = upstream.requests.flatMap((seen) => {
        const messages = (seen.body?.messages ?? []) as Array<{ role: string }>;
        return messages.slice(1).map((message) => message.role);
      });
      expect(turns).toContain('system');
    }
    const events = await eventually(async () => {
      const found = (await gw.auditEvents()).filter((event) => event.meta.model === MODELS[kind]);
      return found.length > 0 ? found : undefined;
    });
    expect(events.every((event) => event.status === 200)).toBe(true);
  });
});
