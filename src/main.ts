import { serve } from './serve.ts';
import { parseWorkerCount, WorkerCountError } from './workers/worker-count.ts';

/** Process entry (`npm start`): `node dist/main.js [--config gatehouse.yaml] [--workers N|auto]`. */
const args = process.argv.slice(2);

function flagValue(flag: string, what: string): string | undefined {
  const index = args.indexOf(flag);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (!value) {
    process.stderr.write(`gatehouse: ${flag} needs ${what}\n`);
    process.exit(2);
  }
  return value;
}

const configPath = flagValue('--config', 'a file path') ?? null;
const workersValue = flagValue('--workers', 'a number or auto');
let workers: number | undefined;
try {
  workers = workersValue === undefined ? undefined : parseWorkerCount(workersValue);
} catch (error) {
  if (!(error instanceof WorkerCountError)) throw error;
  process.stderr.write(`gatehouse: ${error.message}\n`);
  process.exit(2);
}
serve(configPath, { workers }).catch((error) => {
  process.stderr.write(`gatehouse: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
