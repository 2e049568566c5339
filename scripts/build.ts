/**
 * @module
 * `npm run build`: compiles the server, the CLI and the audit thread into `dist/` (or `--outdir DIR`). Each step of
 * the build is one entry in `STEPS`, so another artefact (console assets, say) is one more function.
 *
 * Dependencies are bundled in, apart from native addons. The CLI's start-up is dominated by loading modules: on this
 * machine, resolving and compiling several thousand files of `node_modules` cost ~0.6 s more per invocation than one
 * bundle (README, "Compiled build"). Every output lands in one flat folder, so `import.meta.url` points at the same
 * place from every chunk (`threaded-audit-writer.ts` finds `audit-worker.js` that way).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const REPO_ROOT = resolve(import.meta.dirname, '..');

/** Packages that load a compiled addon from their own folder, or are optional and absent: left to `node_modules`. */
const EXTERNAL = ['better-sqlite3', '@node-rs/argon2', 'pg-native'];

/**
 * Bundled CommonJS packages call `require` for Node built-ins; an ES module has none, so each output file gets one.
 * The odd name keeps it from colliding with a bundled module's own top-level names.
 */
const REQUIRE_SHIM =
  "import { createRequire as __gatehouseCreateRequire } from 'node:module'; const require = __gatehouseCreateRequire(import.meta.url);";

async function buildServer(outdir: string): Promise<void> {
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: {
      main: 'src/main.ts',
      cli: 'src/cli/main.ts',
      'audit-worker': 'src/audit/audit-worker.ts',
      healthcheck: 'src/healthcheck.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    chunkNames: 'chunk-[hash]',
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    sourcemap: 'linked',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

const STEPS: Array<{ name: string; run: (outdir: string) => Promise<void> }> = [
  { name: 'server and CLI', run: buildServer },
];

function outdirOf(argv: string[]): string {
  const index = argv.indexOf('--outdir');
  if (index === -1) return resolve(REPO_ROOT, 'dist');
  const value = argv[index + 1];
  if (!value) throw new Error('--outdir needs a directory');
  return resolve(value);
}

const outdir = outdirOf(process.argv.slice(2));
rmSync(outdir, { recursive: true, force: true });
for (const step of STEPS) {
  const started = performance.now();
  await step.run(outdir);
  process.stdout.write(`built ${step.name} in ${Math.round(performance.now() - started)} ms → ${outdir}\n`);
}
