// `npm run bench`: runs every benchmark module listed in BENCHES (or only the
// ones named on the command line) and prints their figures. To add one,
// write bench/<name>.ts exporting `run(): Promise<void>` that prints its
// results, and add a line here.
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
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
  process.stdout.write(`heartbeat-ts benchmarks — node ${process.version}, ${process.platform}/${process.arch}\n`);
  for (const name of names) {
    process.stdout.write(`\n== ${name} ==\n`);
    const mod = await (BENCHES[name] as () => Promise<BenchModule>)();
    await mod.run();
  }
}

await main();
