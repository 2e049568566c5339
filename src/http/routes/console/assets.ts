/**
 * @module The console's prebuilt assets (`npm run build:console`, also run by `npm install` and `npm start`), read
 * once at startup and served from memory: the page with `no-cache` (revalidated by ETag, so a new build shows at
 * once), content-hashed files as immutable for a year, each precompressed (brotli, gzip) at build time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';

export interface ConsoleAsset {
  body: Buffer;
  br: Buffer | null;
  gzip: Buffer | null;
  type: string;
  etag: string;
  immutable: boolean;
}

export interface ConsoleAssets {
  /** The page every console route serves (the app routes on the client). */
  page: ConsoleAsset;
  /** By path under `/console/`, e.g. `assets/app-3F2A….js`. */
  files: ReadonlyMap<string, ConsoleAsset>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The repository root: the nearest folder above this file with a package.json (the same from src/ or a build). */
export function packageRoot(from = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no package.json above the console routes');
    dir = parent;
  }
  return dir;
}

export const DEFAULT_ASSETS_DIR = join(packageRoot(), 'console', 'dist');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function asset(body: Buffer, path: string, immutable: boolean): ConsoleAsset {
  const sibling = (suffix: string) => (existsSync(path + suffix) ? readFileSync(path + suffix) : null);
  return {
    body,
    br: immutable ? sibling('.br') : null,
    gzip: immutable ? sibling('.gz') : null,
    type: TYPES[extname(path)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    immutable,
  };
}

/**
 * Loads the build, or returns null when there is none (the console then answers 503 saying how to build it). The
 * page learns whether OIDC sign-in is offered from a meta tag filled in here: the CSP forbids inline scripts.
 */
export function loadConsoleAssets(dir: string, options: { oidc: boolean }): ConsoleAssets | null {
  const pagePath = join(dir, 'index.html');
  if (!existsSync(pagePath)) return null;
  const html = readFileSync(pagePath, 'utf8').replace(
    '<meta name="gatehouse-oidc" content="off">',
    `<meta name="gatehouse-oidc" content="${options.oidc ? 'on' : 'off'}">`,
  );
  const files = new Map<string, ConsoleAsset>();
  for (const path of walk(dir)) {
    if (path.endsWith('.br') || path.endsWith('.gz') || path === pagePath) continue;
    const name = relative(dir, path).split(sep).join('/');
    files.set(name, asset(readFileSync(path), path, name.startsWith('assets/')));
  }
  return { page: asset(Buffer.from(html), pagePath, false), files };
}
