#!/usr/bin/env bash
# The console's browser suite: Debian's Chromium driven by playwright-core (Playwright cannot download its own
# browser here). Installs the chromium package when missing, builds the console, then runs test/browser/.
# Screenshots under docs/console/ are retaken by the same tests, so a run also refreshes them.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "${GATEHOUSE_CHROMIUM:-/usr/bin/chromium}" ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

npm run build:console --silent
npx vitest run -c vitest.browser.config.ts
