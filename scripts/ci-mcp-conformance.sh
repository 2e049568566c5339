#!/usr/bin/env bash
# The MCP conformance suite (0.2 prerelease) through the gateway. The suite needs Node >= 22 while the project runs on
# Node 20, so both go into a scratch folder outside the repository (never project dependencies): Node 22 from the
# npm `node` package, the suite from `@modelcontextprotocol/conformance`. Then scripts/mcp-conformance.ts starts the
# fixture, the gateway and a key-adding proxy, and runs every revision's server scenarios. Budget: about 6 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE_VERSION=0.2.0-alpha.12
NODE_VERSION=22
scratch="${MCP_CONFORMANCE_DIR:-${TMPDIR:-/tmp}/gatehouse-mcp-conformance}"
mkdir -p "$scratch"

if [ ! -x "$scratch/node_modules/.bin/node" ] || [ ! -f "$scratch/node_modules/@modelcontextprotocol/conformance/package.json" ] ||
  ! grep -q "\"version\": \"$SUITE_VERSION\"" "$scratch/node_modules/@modelcontextprotocol/conformance/package.json"; then
  (
    cd "$scratch"
    # The node package installs its platform binary (another npm package) from its install script: allowed here.
    printf '{"name":"gatehouse-mcp-conformance","private":true,"allowScripts":{"node":true}}\n' >package.json
    npm install --no-audit --no-fund --no-save \
      "node@$NODE_VERSION" "@modelcontextprotocol/conformance@$SUITE_VERSION" >install.log 2>&1 ||
      { cat install.log; exit 1; }
  )
fi

node22="$scratch/node_modules/.bin/node"
"$node22" --version
exec npx tsx scripts/mcp-conformance.ts "$node22" "$scratch/node_modules/@modelcontextprotocol/conformance/dist/index.js" \
  "$scratch/results"
