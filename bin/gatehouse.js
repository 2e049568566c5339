#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so `npx gatehouse` works right after `npm install`
// with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/index.ts');
const args = process.argv.slice(2);
const code = await runCli(args);
// `serve` keeps the process alive until a signal; every other command ends here.
if (code !== 0 || args[0] !== 'serve') process.exit(code);
