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
  const { runCli } = await import('./index.ts');
  const code = await runCli(args);
  // `serve` keeps the process alive until a signal; every other command ends here, open handles or not.
  if (code !== 0 || args[0] !== 'serve') process.exit(code);
}
