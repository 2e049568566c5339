import { serve } from './serve.ts';

/** Process entry (`npm start`): `tsx src/main.ts [--config gatehouse.yaml]`. */
const args = process.argv.slice(2);
const configIndex = args.indexOf('--config');
if (configIndex !== -1 && !args[configIndex + 1]) {
  process.stderr.write('gatehouse: --config needs a file path\n');
  process.exit(64);
}
serve(configIndex === -1 ? null : (args[configIndex + 1] as string)).catch((error) => {
  process.stderr.write(`gatehouse: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
