import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderContracts } from '../src/contracts/export.ts';

for (const [path, content] of renderContracts()) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  process.stdout.write(`wrote ${path}\n`);
}
