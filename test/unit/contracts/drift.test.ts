import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { renderContracts } from '../../../src/contracts/export.ts';
import { SurfaceSchema } from '../../../src/contracts/surface-schema.ts';
import { ERROR_CATALOG } from '../../../src/http/errors.ts';
import { SURFACES } from '../../../src/http/surfaces.ts';

describe('checked-in contracts', () => {
  it('[INV-1] contracts/ matches what the code renders (run `npm run contracts` after changing a schema)', () => {
    for (const [path, content] of renderContracts()) {
      expect(readFileSync(path, 'utf8'), path).toBe(content);
    }
  });

  it('[INV-1] every surface entry is valid and ids and routes are unique', () => {
    const ids = new Set<string>();
    const routes = new Set<string>();
    for (const surface of SURFACES) {
      expect(Value.Errors(SurfaceSchema, surface).First(), surface.id).toBeUndefined();
      expect(ids.has(surface.id), `duplicate surface id ${surface.id}`).toBe(false);
      expect(routes.has(`${surface.method} ${surface.path}`), `duplicate route ${surface.path}`).toBe(false);
      ids.add(surface.id);
      routes.add(`${surface.method} ${surface.path}`);
    }
  });

  it('[INV-5] the README error table lists exactly the catalog, with the same status and type', () => {
    const readme = readFileSync('README.md', 'utf8');
    const rows = new Map<string, { status: number; type: string }>();
    for (const match of readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| `([a-z_]+)` \|/gm)) {
      rows.set(match[1] as string, { status: Number(match[2]), type: match[3] as string });
    }
    const catalog = new Map(
      Object.entries(ERROR_CATALOG).map(([code, e]) => [code, { status: e.status, type: e.type }]),
    );
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(catalog));
  });
});
