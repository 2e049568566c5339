/**
 * Builds the web console into `console/dist/`: one JS bundle and one CSS file, content-hashed (served immutable),
 * precompressed with brotli and gzip, and `index.html` pointing at them. Run by `npm run build`, and by `npm install`
 * (`prepare`) and `npm start` (`prestart`), so a fresh checkout serves the console with no second command.
 * `--console-dir <dir>` builds elsewhere (tests build their own copy rather than replace one a server may be reading);
 * not `--outdir`, which `npm run build -- --outdir` hands to this script too, meaning the server's folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { 'console-dir': { type: 'string' } }, strict: false });
const target = values['console-dir'];
const outdir = typeof target === 'string' ? resolve(target) : join(root, 'console', 'dist');
const started = Date.now();

rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'console', 'src', 'main.tsx')],
  // The metafile's output paths are relative to this; they are resolved against `root` below.
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(outdir, 'assets'),
  entryNames: 'app-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((path) => resolve(root, path));
const script = outputs.find((path) => path.endsWith('.js'));
const style = outputs.find((path) => path.endsWith('.css'));
if (!script || !style) throw new Error('the console build produced no script or no stylesheet');

const template = readFileSync(join(root, 'console', 'index.html'), 'utf8');
const html = template
  .replace('{{script}}', `/console/assets/${basename(script)}`)
  .replace('{{style}}', `/console/assets/${basename(style)}`);
writeFileSync(join(outdir, 'index.html'), html);

let bytes = 0;
for (const path of outputs) {
  const body = readFileSync(path);
  bytes += body.length;
  writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
}
process.stdout.write(
  `console: built ${outputs.length} assets (${Math.round(bytes / 1024)} KiB) in ${Date.now() - started} ms\n`,
);
