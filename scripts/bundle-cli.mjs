#!/usr/bin/env node
// Part of `npm run build`, after tsc: replaces dist/cli/hb_probe.js with one
// minified file holding only what hb_probe uses. hb_probe runs from cron and
// pays a Node start-up per run; loading some thirty modules through the ESM
// loader (every part's index.ts and what it re-exports) costs more than the
// probe itself. The daemon and the other commands stay as tsc wrote them.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED = ['hb_probe'];

for (const name of BUNDLED) {
  const file = join(ROOT, 'dist', 'cli', `${name}.js`);
  const result = await build({
    entryPoints: [file],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    // Dependencies stay imports (node_modules is there at run time); only our own modules are inlined.
    packages: 'external',
    sourcemap: 'external',
    outfile: file,
    write: false,
    logLevel: 'error',
  });
  for (const out of result.outputFiles) writeFileSync(out.path, out.contents);
  const size = readFileSync(file).length;
  process.stdout.write(`bundled dist/cli/${name}.js (${(size / 1024).toFixed(0)} KiB)\n`);
}
