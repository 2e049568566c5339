#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so `npx gatehouse` works right after `npm install`
// with no build step.
import { register } from 'tsx/esm/api';

register();
// A reader that closed early (`gatehouse audit export | head`) makes further writes fail with EPIPE: the output is
// simply no longer wanted, so stop quietly instead of printing a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
const { runCli, flushStdio } = await import('../src/cli/index.ts');
const args = process.argv.slice(2);
const code = await runCli(args);
// `serve` keeps the process alive until a signal; every other command ends here, once its output has drained.
if (code !== 0 || args[0] !== 'serve') {
  await flushStdio();
  process.exit(code);
}
