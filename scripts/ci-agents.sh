#!/usr/bin/env bash
# Agent end-to-end suite (issue 13): real agents run through Gatehouse, offline, against loopback fake upstreams
# (Responses and Anthropic upstreams passed through, chat and Ollama upstreams translated). One section per agent:
# each installs its pinned package from the npm registry into .agents/ (not a project dependency: the Codex CLI
# ships a ~150 MB native binary) and names its test file. A missing or broken install fails the run; nothing is
# skipped. Run alone with `bash scripts/ci-agents.sh`; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

export GATEHOUSE_AGENTS_DIR="${GATEHOUSE_AGENTS_DIR:-$PWD/.agents}"
mkdir -p "$GATEHOUSE_AGENTS_DIR"
[ -f "$GATEHOUSE_AGENTS_DIR/package.json" ] || echo '{"private":true}' >"$GATEHOUSE_AGENTS_DIR/package.json"

packages=()
suites=()

# Codex CLI: `codex exec` with a wire_api = "responses" provider at the gateway (test/agents/codex.test.ts).
packages+=("@openai/codex@0.169.0")
suites+=("test/agents/codex.test.ts")

# OpenAI Agents SDK: an agent with a function tool on the Responses API (test/agents/agents-sdk.test.ts).
packages+=("@openai/agents@0.20.0")
suites+=("test/agents/agents-sdk.test.ts")

# Claude Code: `claude -p` with ANTHROPIC_BASE_URL at the gateway, to an anthropic upstream and a translated chat
# one (test/agents/claude-code.test.ts). Its native binary comes as a platform package of the same release.
packages+=("@anthropic-ai/claude-code@2.1.332")
suites+=("test/agents/claude-code.test.ts")

timeout 600 npm install --prefix "$GATEHOUSE_AGENTS_DIR" --no-save --no-audit --no-fund --loglevel=error "${packages[@]}"
"$GATEHOUSE_AGENTS_DIR/node_modules/.bin/codex" --version
"$GATEHOUSE_AGENTS_DIR/node_modules/.bin/claude" --version

# Bounded: the suites take about a minute here; 10 minutes means something hangs.
timeout 600 npx vitest run -c vitest.agents.config.ts "${suites[@]}"
