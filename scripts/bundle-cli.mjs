#!/usr/bin/env node
// Part of `npm run build`, after tsc: replaces dist/cli/hb_probe.js with one
// minified file holding only what hb_probe uses. hb_probe runs from cron and
// pays a Node start-up per run; loading some thirty modules through the ESM
// loader (every part's index.ts and what it re-exports) costs more than the
// probe itself. The daemon and the other commands stay as tsc wrote them.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED = ['hb_probe'];

// hb_probe imports each folder through its index.ts, and those re-export
// everything (config/ builds its directive tables at load, monitor/ reaches
// resources/ through an import()): to esbuild that is code with side
// effects, kept whole. No module hb_probe reaches has an import-time side
// effect another module relies on, so they are declared side-effect free here
// and the bundle keeps only what hb_probe calls (issue 12: start-up per cron
// run; the tests of dist/cli/hb_probe.js run this bundle).
const ownModulesArePure = {
  name: 'own-modules-are-pure',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: resolve(args.resolveDir, args.path), sideEffects: false },
    );
  },
};

// An ESM import of a built-in (`import { x } from 'node:fs'`) builds the
// module's whole namespace, which runs its lazy getters: node:net loads
// BlockList and SocketAddress, node:fs its streams, node:util MIME types...
// Taking built-ins through process.getBuiltinModule (Node ≥ 20.16; older
// Nodes get createRequire) hands back the object itself, and hb_probe's
// start-up loads only what it touches.
// (esbuild keeps the entry's #! line above the banner.)
const BUILTIN_BANNER = "const __builtin = process.getBuiltinModule ?? (await import('node:module')).createRequire(import.meta.url);";
const builtinsOnDemand = {
  name: 'builtins-on-demand',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = __builtin(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

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
    ...(name === 'hb_probe' ? { plugins: [ownModulesArePure, builtinsOnDemand], banner: { js: BUILTIN_BANNER } } : {}),
    metafile: true,
  });
  for (const out of result.outputFiles) writeFileSync(out.path, out.contents);
  const size = readFileSync(file).length;
  const uses = Object.values(result.metafile.outputs)
    .flatMap((o) => [...o.imports.filter((i) => i.external).map((i) => i.path), ...Object.keys(o.inputs).filter((i) => i.startsWith('builtin:'))])
    .map((i) => i.replace(/^builtin:/, ''))
    .sort()
    .join(' ');
  process.stdout.write(`bundled dist/cli/${name}.js (${(size / 1024).toFixed(0)} KiB; uses ${uses})\n`);
}
