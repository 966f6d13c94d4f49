// Issue 10: src/ stays a DAG. The same graph code as
// scripts/measure-structure.mjs (scripts/lib/import-graph.mjs); a failure
// names the files of the circle or the arrow that points upward.
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYERS, importCircles, importGraph, layerViolations } from '../../scripts/lib/import-graph.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');
const rel = (f: string): string => relative(root, f);

describe('import structure of src/', () => {
  const graph = importGraph(src);

  it('reads the whole tree (the graph is not empty, imports resolve to files of src/)', () => {
    expect(graph.size).toBeGreaterThan(100);
    const manager = graph.get(join(src, 'resources/manager/step.ts'));
    expect(manager?.targets).toContain(join(src, 'resources/manager/activities.ts'));
  });

  it('has no import circle', () => {
    const circles = importCircles(graph).map((c) => `${c.files.length} files, ${c.arrows} arrows: ${c.files.map(rel).join(' ')}`);
    expect(circles).toEqual([]);
  });

  it('finds a circle when there is one (the check can fail)', () => {
    const a = join(src, 'a.ts');
    const b = join(src, 'b.ts');
    const c = join(src, 'c.ts');
    const looped = new Map([
      [a, { lines: 1, targets: [b] }],
      [b, { lines: 1, targets: [c] }],
      [c, { lines: 1, targets: [a] }],
    ]);
    expect(importCircles(looped)).toEqual([{ files: [a, b, c], arrows: 3 }]);
  });

  for (const folder of Object.keys(LAYERS)) {
    it(`${folder}: every file has a layer and no import points to a higher layer`, () => {
      const { upward, unlayered } = layerViolations(graph, root, folder);
      expect(unlayered.map(rel)).toEqual([]);
      expect(upward.map(({ from, to }) => `${rel(from)} -> ${rel(to)}`)).toEqual([]);
    });
  }
});
