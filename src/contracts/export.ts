import { SURFACES } from '../http/surfaces.ts';
import { contracts } from './registry.ts';

/**
 * The checked-in contract files, rendered from the code: `contracts/schemas/<name>.schema.json` for each wire
 * format and `contracts/surfaces.json` for the surface registry. `npm run contracts` writes them; a test renders
 * them again and fails on any difference.
 */
export function renderContracts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { name, schema } of contracts) {
    const document = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(schema)) };
    files.set(`contracts/schemas/${name}.schema.json`, `${JSON.stringify(document, null, 2)}\n`);
  }
  const surfaces = [...SURFACES].sort((a, b) => a.id.localeCompare(b.id));
  files.set('contracts/surfaces.json', `${JSON.stringify(surfaces, null, 2)}\n`);
  return files;
}
