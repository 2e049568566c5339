/**
 * @module Shared by the agent CLI and SDK suites: where scripts/ci-agents.sh installed the agents, and one gateway
 * config with a public model per way of serving the Responses API.
 */
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
