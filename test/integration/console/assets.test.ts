/**
 * Issue 16 "Assets are built ahead of time and served with caching headers", and `GET /` leading to the console:
 * what the gateway actually sends for the page and its content-hashed assets, over real HTTP, from a console build
 * made for this file (never the checkout's `console/dist`, which a running server or the browser suite may hold).
 */
import { spawn } from 'node:child_process';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, REPO_ROOT, startGateway, type TestGateway } from '../../helpers/gateway.ts';

const YEAR_IMMUTABLE = 'public, max-age=31536000, immutable';
const ETAG = /^"[A-Za-z0-9_-]{27}"$/;

function buildConsole(dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/build-console.ts', '--console-dir', dir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('the console page and assets over HTTP', () => {
  let gw: TestGateway;
  let adminToken: string;

  beforeAll(async () => {
    const dir = createTempDir('gatehouse-console-build-');
    const built = await buildConsole(dir);
    expect(built.code, built.stderr).toBe(0);
    gw = await startGateway({ consoleAssetsDir: dir });
    ({ token: adminToken } = await gw.gateway.admin.bootstrapPlatformAdmin('ops@example.com'));
    await gw.gateway.adminSnapshot.refresh();
  }, 120_000);
  afterAll(async () => {
    await gw?.dispose();
  });

  const get = (path: string, headers: Record<string, string> = {}) => request(`${gw.baseUrl}${path}`, { headers });

  async function assetPaths(): Promise<string[]> {
    const html = await (await get('/console/')).body.text();
    const paths = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(paths.some((p) => /\/app-[A-Z0-9]+\.js$/.test(p))).toBe(true);
    expect(paths.some((p) => /\/app-[A-Z0-9]+\.css$/.test(p))).toBe(true);
    return paths;
  }

  it('redirects / to /console/, audited as the console.root surface', async () => {
    const root = await get('/');
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console/');
    await root.body.dump();
    const page = await get(root.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    await expect(page.body.text()).resolves.toContain('<meta name="gatehouse-oidc" content="off">');

    await gw.gateway.audit.flush();
    const audit = await get('/admin/v1/audit?surface=console.root', { authorization: `Bearer ${adminToken}` });
    const events = ((await audit.body.json()) as { data: Array<{ status: number; path: string }> }).data;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 302, path: '/' });
  });

  it('serves the page (any console path) no-cache with an ETag, and answers a matching revalidation 304', async () => {
    const first = await get('/console', { 'accept-encoding': 'br, gzip' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.headers.vary).toBe('accept-encoding');
    // The page is rewritten at startup (the OIDC meta tag), so it is never served precompressed.
    expect(first.headers['content-encoding']).toBeUndefined();
    expect(first.headers['content-security-policy']).toContain("script-src 'self'");
    const etag = first.headers.etag as string;
    expect(etag).toMatch(ETAG);
    const body = await first.body.text();

    const deep = await get('/console/usage?group=session');
    expect(deep.statusCode).toBe(200);
    expect(deep.headers['cache-control']).toBe('no-cache');
    expect(deep.headers.etag).toBe(etag);
    await expect(deep.body.text()).resolves.toBe(body);

    const again = await get('/console/', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.headers.etag).toBe(etag);
    await expect(again.body.text()).resolves.toBe('');

    const stale = await get('/console/', { 'if-none-match': '"an-older-build"' });
    expect(stale.statusCode).toBe(200);
    await stale.body.dump();
  });

  it('serves content-hashed assets immutable for a year, precompressed as the client accepts', async () => {
    for (const path of await assetPaths()) {
      const type = path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
      const plain = await get(path);
      expect(plain.statusCode, path).toBe(200);
      expect(plain.headers['cache-control'], path).toBe(YEAR_IMMUTABLE);
      expect(plain.headers['content-type'], path).toBe(type);
      expect(plain.headers.vary, path).toBe('accept-encoding');
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      const etag = plain.headers.etag as string;
      expect(etag, path).toMatch(ETAG);
      const identity = Buffer.from(await plain.body.arrayBuffer());
      expect(identity.length, path).toBeGreaterThan(1000);

      const br = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding'], path).toBe('br');
      expect(br.headers['cache-control'], path).toBe(YEAR_IMMUTABLE);
      const brBody = Buffer.from(await br.body.arrayBuffer());
      expect(brBody.length, path).toBeLessThan(identity.length);
      expect(brotliDecompressSync(brBody).equals(identity), path).toBe(true);

      const gzip = await get(path, { 'accept-encoding': 'gzip' });
      expect(gzip.headers['content-encoding'], path).toBe('gzip');
      expect(gunzipSync(Buffer.from(await gzip.body.arrayBuffer())).equals(identity), path).toBe(true);

      const revalidated = await get(path, { 'if-none-match': etag });
      expect(revalidated.statusCode, path).toBe(304);
      await revalidated.body.dump();
    }
  });

  it('answers a hashed asset that is not in this build 404, never cached as immutable', async () => {
    const missing = await get('/console/assets/app-NOTINTHISBUILD.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control'] ?? '').not.toContain('immutable');
    const body = (await missing.body.json()) as { error: { code: string } };
    expect(body.error.code).toBe('resource_not_found');
  });
});
