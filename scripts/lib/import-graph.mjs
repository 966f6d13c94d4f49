// The import graph of src/ (relative imports only) and what issue 10 measures
// on it: import circles (strongly connected components, Tarjan) and, for the
// folders with a declared layering, arrows that point upward. Shared by
// scripts/measure-structure.mjs and test/unit/structure.test.ts.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Layers of a folder, bottom first: a file may import files of its own layer
 * or of a lower one, never of a higher one. Every .ts file of the folder must
 * be listed (a new module gets a place on purpose).
 */
export const LAYERS = {
  'src/resources/manager': [
    // vocabulary: resource sets, cluster messages, the state, event and command types
    ['rsc.ts', 'cluster-message.ts', 'types.ts'],
    // the transaction, questions about groups and peers, the initial state, which group operations may overlap
    ['tx.ts', 'groups.ts', 'create.ts', 'parallel.ts'],
    // primitives: the activity queue, read-only queries, what this node says it holds, the activity runner
    ['queue.ts', 'queries.ts', 'holding.ts', 'activities.ts'],
    // protocols that need no other protocol
    ['standby.ts', 'legacy.ts', 'shutdown.ts'],
    // built on the standby protocol
    ['reconcile.ts', 'handover.ts'],
    ['negotiation.ts'],
    ['takeover.ts', 'timers.ts'],
    // the reducer and its tables, and the folder's face
    ['step.ts', 'index.ts'],
  ],
};

export function listTs(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTs(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const targets = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    let target = resolve(dirname(file), ref.fileName).replace(/\.js$/, '.ts');
    try {
      if (statSync(target).isDirectory()) target = join(target, 'index.ts');
    } catch {
      /* a file path */
    }
    targets.push(target);
  }
  return { lines: text.split('\n').length, targets };
}

/** Every .ts file under `dir` → its line count and the files it imports (absolute paths, type imports included). */
export function importGraph(dir) {
  return new Map(listTs(dir).map((f) => [f, importsOf(f)]));
}

/** Import circles: strongly connected components of more than one file (Tarjan), each with its arrows. */
export function importCircles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const components = [];
  function connect(v) {
    meta.set(v, { index, low: index, onStack: true });
    index += 1;
    stack.push(v);
    for (const w of graph.get(v)?.targets ?? []) {
      if (!graph.has(w)) continue;
      if (!meta.has(w)) {
        connect(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) {
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
      }
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  }
  for (const f of graph.keys()) if (!meta.has(f)) connect(f);
  return components.map((files) => ({ files: files.sort(), arrows: arrowsAmong(graph, files) }));
}

/** Arrows (import statements) from one of `files` to another. */
export function arrowsAmong(graph, files) {
  const set = new Set(files);
  return files.reduce((n, f) => n + (graph.get(f)?.targets ?? []).filter((t) => set.has(t)).length, 0);
}

/**
 * Against LAYERS[folder] (folder relative to `root`): the arrows that point
 * to a higher layer, and the files of the folder that no layer lists.
 */
export function layerViolations(graph, root, folder) {
  const layers = LAYERS[folder];
  if (layers === undefined) throw new Error(`no layering declared for ${folder}`);
  const dir = resolve(root, folder);
  const level = new Map(layers.flatMap((names, i) => names.map((name) => [join(dir, name), i])));
  const inside = [...graph.keys()].filter((f) => dirname(f) === dir);
  const upward = [];
  for (const from of inside) {
    for (const to of graph.get(from).targets) {
      if (level.has(from) && level.has(to) && level.get(to) > level.get(from)) upward.push({ from, to });
    }
  }
  return { upward, unlayered: inside.filter((f) => !level.has(f)) };
}
