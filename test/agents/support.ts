/**
 * @module Shared by the agent CLI and SDK suites: where scripts/ci-agents.sh installed the agents, and one gateway
 * config with a public model per way of serving the Responses API.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** One public model per upstream kind: Responses passthrough, chat translation, Ollama translation. */
export const AGENT_MODELS = { native: 'agent-native', chat: 'agent-chat', ollama: 'agent-ollama' } as const;

export function agentGatewayConfig(origin: string): Record<string, unknown> {
  return {
    upstreams: [
      { id: 'native', provider: 'openai', base_url: `${origin}/v1`, responses_api: true },
      { id: 'chat', provider: 'openai', base_url: `${origin}/v1` },
      { id: 'ollama', provider: 'ollama', base_url: origin },
    ],
    models: [
      { name: AGENT_MODELS.native, targets: [{ upstream: 'native', model: 'gpt-5-mini' }] },
      { name: AGENT_MODELS.chat, targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }] },
      { name: AGENT_MODELS.ollama, targets: [{ upstream: 'ollama', model: 'llama3.1:8b' }] },
    ],
  };
}

/** Where scripts/ci-agents.sh installs the agents: `GATEHOUSE_AGENTS_DIR`, default `.agents/` in the repo. */
export function agentsDir(): string {
  return process.env.GATEHOUSE_AGENTS_DIR ?? join(process.cwd(), '.agents');
}

/** An agent CLI installed by scripts/ci-agents.sh. */
export function agentBin(name: string): string {
  return join(agentsDir(), 'node_modules', '.bin', name);
}

/** Runs an agent CLI with stdin closed (`codex exec` and `claude -p` otherwise wait to read more of the prompt). */
export function runAgent(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
