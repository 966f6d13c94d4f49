// `npm run bench`: runs the benchmark modules of DEFAULT_RUN (or only the
// ones named on the command line) and prints their figures. To add one,
// write bench/<name>.ts exporting `run(): Promise<void>` that prints its
// results, and add a line here. The bare run ends with `summary` (issue 12's
// table), which itself runs the idle part of cost, scale and coldstart, so
// those three are not run a second time on their own.
interface BenchModule {
  readonly run: () => Promise<void>;
}

const BENCHES: Readonly<Record<string, () => Promise<BenchModule>>> = {
  codec: () => import('./codec.js'),
  cost: () => import('./cost.js'),
  failover: () => import('./failover.js'),
  resources: () => import('./resources.js'),
  observe: () => import('./observe.js'),
  ipfail: () => import('./ipfail.js'),
  coldstart: () => import('./coldstart.js'),
  scale: () => import('./scale.js'),
  summary: () => import('./summary.js'),
  issue12: () => import('./summary.js'),
};

const DEFAULT_RUN = ['codec', 'failover', 'resources', 'observe', 'ipfail', 'summary'];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const names = wanted.length > 0 ? wanted : DEFAULT_RUN;
  process.stdout.write(`heartbeat-ts benchmarks — node ${process.version}, ${process.platform}/${process.arch}\n`);
  for (const name of names) {
    process.stdout.write(`\n== ${name} ==\n`);
    const mod = await (BENCHES[name] as () => Promise<BenchModule>)();
    await mod.run();
  }
}

await main();
