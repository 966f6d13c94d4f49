#!/usr/bin/env node
// Part of `npm run build`, after tsc: replaces dist/cli/heartbeat.js (the
// daemon and its control modes) with one minified entry and a few chunks in
// dist/cli/heartbeat-chunks/, dependencies included (issue 12: idle RSS).
// As tsc writes it, the daemon loads ~450 modules (~160 of ours, ~140 of
// execa's, ~200 CommonJS files of winston's), each with its source text
// (comments and all) and module record kept for the life of the process.
// The `await import()`s of heartbeat.ts and the daemon stay lazy: esbuild
// splits each into its own chunk, loaded only when used (--check, --export,
// the HTTP status page and prom-client, …).
//
// The chunks sit two levels under dist/ (dist/cli/heartbeat-chunks/) like
// tsc's own output (dist/<part>/<file>.js): code that finds files relative
// to its own module (src/resources/agents/shipped-scripts.ts looks for
// ../../../src/scripts/) finds them from there too. build-deb copies dist/
// whole; node_modules stays installed for the other commands (and node-cron,
// loaded with createRequire only when a probe has a schedule).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli');
const CHUNKS = 'heartbeat-chunks';
const entry = join(CLI, 'heartbeat.js');

if (readFileSync(entry, 'utf8').includes(`./${CHUNKS}/`)) {
  process.stderr.write(`bundle-daemon: ${relative(ROOT, entry)} is already bundled: run \`npm run build\` (tsc first)\n`);
  process.exit(1);
}
rmSync(join(CLI, CHUNKS), { recursive: true, force: true });
const result = await build({
  entryPoints: { heartbeat: entry },
  outdir: CLI,
  entryNames: '[name]',
  chunkNames: `${CHUNKS}/[name]-[hash]`,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'external',
  // Licence texts of the bundled dependencies go to *.LEGAL.txt beside each file, not into the loaded source.
  legalComments: 'linked',
  // winston and its helpers are CommonJS and require() Node's modules: give each ESM chunk a require.
  banner: { js: "import{createRequire as __hbtsCreateRequire}from'node:module';const require=__hbtsCreateRequire(import.meta.url);" },
  // winston's @dabh/diagnostics picks its no-op build (no colour tables) only when NODE_ENV is production.
  define: { 'process.env.NODE_ENV': '"production"' },
  allowOverwrite: true,
  write: false,
  logLevel: 'error',
});
let total = 0;
for (const out of result.outputFiles) {
  mkdirSync(dirname(out.path), { recursive: true });
  writeFileSync(out.path, out.contents);
  if (out.path.endsWith('.js')) total += out.contents.length;
}
const chunks = result.outputFiles.filter((o) => o.path.endsWith('.js')).length - 1;
const size = readFileSync(entry).length;
process.stdout.write(
  `bundled ${relative(ROOT, entry)} (${(size / 1024).toFixed(0)} KiB) + ${chunks} chunks in ${relative(ROOT, join(CLI, CHUNKS))} (${(total / 1024).toFixed(0)} KiB in all)\n`,
);
