#!/usr/bin/env bash
# The console's browser suite: Debian's Chromium driven by playwright-core (Playwright cannot download its own
# browser here). Installs the chromium package when missing, builds the console, then runs test/browser/.
# Screenshots under docs/console/ are retaken by the same tests, so a run also refreshes them.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

chromium="${GATEHOUSE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
# Never a silent skip: a suite that cannot start its browser is a failed suite, in CI and out of it.
if ! "$chromium" --headless --no-sandbox --disable-gpu --dump-dom about:blank >/dev/null 2>&1; then
  echo "ci-browser: Chromium at $chromium cannot start (set GATEHOUSE_CHROMIUM or install Debian's chromium)" >&2
  exit 1
fi

npm run build:console --silent
# Bounded: the suite takes about a minute here; 15 minutes means something hangs.
timeout 900 npx vitest run -c vitest.browser.config.ts
