#!/usr/bin/env node
// The `gatehouse` command runs the compiled build. `npm install` and `npm start` make it; after editing the
// sources, `npm run build` (or `npm run dev` for the server).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('gatehouse: the build is missing (dist/cli.js): run `npm run build` first\n');
  process.exit(1);
}
await import(entry.href);
