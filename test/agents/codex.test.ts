/**
 * Issue 13 "Done when": the real Codex CLI (`codex exec`, a model provider with `wire_api = "responses"` whose
 * base_url is the gateway) completes a prompt through Gatehouse, offline, against a loopback fake upstream that
 * serves the Responses API (passthrough) and fakes that serve only chat completions or Ollama (translation).
 * Run by scripts/ci-agents.sh, which installs the CLI and points GATEHOUSE_AGENT_BIN_DIR at it.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { eventually } from '../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../integration/llm/support.ts';
import { AGENT_MODELS, agentBin, agentGatewayConfig, runAgent as run } from './support.ts';

const REPLY = 'Hello from the fake upstream.';

describe('Codex CLI through Gatehouse', () => {
  const codex = agentBin('codex');
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: agentGatewayConfig(upstream.origin) });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  /** A fresh CODEX_HOME whose config.toml is the README's, with this gateway's address. */
  function codexHome(): string {
    const home = mkdtempSync(join(tmpdir(), 'codex-home-'));
    writeFileSync(
      join(home, 'config.toml'),
      [
        'model_provider = "gatehouse"',
        '',
        '[model_providers.gatehouse]',
        'name = "Gatehouse"',
        `base_url = "${gw.baseUrl}/v1"`,
        'env_key = "GATEHOUSE_API_KEY"',
        'wire_api = "responses"',
        '',
      ].join('\n'),
    );
    return home;
  }

  it.each(['native', 'chat', 'ollama'] as const)(
    'completes a prompt with a %s upstream',
    async (kind) => {
      expect(existsSync(codex), `codex CLI not found at ${codex}: run scripts/ci-agents.sh`).toBe(true);
      const workdir = mkdtempSync(join(tmpdir(), 'codex-work-'));
      const result = await run(
        codex,
        ['exec', '--skip-git-repo-check', '--sandbox', 'read-only', '-m', AGENT_MODELS[kind], 'Say hello.'],
        {
          cwd: workdir,
          env: { PATH: process.env.PATH, HOME: workdir, CODEX_HOME: codexHome(), GATEHOUSE_API_KEY: key },
          timeoutMs: 90_000,
        },
      );
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(result.stdout).toContain(REPLY);
      const sent = upstream.requests.find((request) => request.method === 'POST');
      if (kind === 'native') {
        expect(sent?.path).toBe('/v1/responses');
        expect(sent?.body).toMatchObject({ model: 'gpt-5-mini', stream: true, store: false });
      }
      const event = await eventually(async () =>
        (await gw.auditEvents()).find((found) => found.meta.model === AGENT_MODELS[kind] && found.status === 200),
      );
      expect(event.usage?.total_tokens).toBeGreaterThan(0);
    },
    180_000,
  );

  it.each(['native', 'chat'] as const)(
    'runs the shell tool the model asks for (%s upstream)',
    async (kind) => {
      // The fake model asks for a command first, then answers in text once the command's output is in the history.
      upstream.toolCall = { name: 'exec_command', arguments: JSON.stringify({ cmd: 'echo gatehouse-tool-ran' }) };
      const workdir = mkdtempSync(join(tmpdir(), 'codex-work-'));
      const result = await run(
        codex,
        // Full access: the command is an echo, and a container may not allow the sandbox's namespaces.
        ['exec', '--skip-git-repo-check', '--sandbox', 'danger-full-access', '-m', AGENT_MODELS[kind], 'Run it.'],
        {
          cwd: workdir,
          env: { PATH: process.env.PATH, HOME: workdir, CODEX_HOME: codexHome(), GATEHOUSE_API_KEY: key },
          timeoutMs: 90_000,
        },
      );
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(result.stdout).toContain(REPLY);
      const posts = upstream.requests.filter((request) => request.method === 'POST');
      expect(posts.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(posts.at(-1)?.body)).toContain('gatehouse-tool-ran');
    },
    180_000,
  );
});
