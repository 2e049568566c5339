/**
 * @module
 * The `gatehouse` command's process entry (`bin/gatehouse.js` runs its build, `dist/cli.js`). `--version` answers
 * before any command module loads; everything else loads the CLI on demand.
 */
import { VERSION } from '../version.ts';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // A reader that closed early (`gatehouse audit export | head`) makes further writes fail with EPIPE: the output is
  // simply no longer wanted, so stop quietly instead of printing a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  const [{ runCli, flushStdio }, { processHeldOpen }] = await Promise.all([
    import('./index.ts'),
    import('./lifetime.ts'),
  ]);
  const code = await runCli(args);
  // `serve` keeps the process alive until a signal (wherever it sits among global options); every other command
  // ends here, once its output has drained.
  if (code !== 0 || !processHeldOpen()) {
    await flushStdio();
    process.exit(code);
  }
}
