#!/usr/bin/env node
// Structure figures for issue 10: lines per file, import circles, upward arrows.
// usage: node scripts/measure-structure.mjs [folder ...]   (default: every folder under src/)
// Prints the largest files, every import circle (strongly connected component of more than one
// file) with its arrow count, and for each folder given the arrows among its files (and, where
// scripts/lib/import-graph.mjs declares a layering, how many point upward).
import { dirname, join, relative, resolve } from 'node:path';
import { LAYERS, arrowsAmong, importCircles, importGraph, layerViolations } from './lib/import-graph.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');
const graph = importGraph(src);
const files = [...graph.keys()];
const components = importCircles(graph);

const rel = (f) => relative(src, f);
const largest = [...graph.entries()].sort((a, b) => b[1].lines - a[1].lines).slice(0, 12);
console.log(`files: ${files.length}, lines: ${[...graph.values()].reduce((n, g) => n + g.lines, 0)}`);
console.log('largest files:');
for (const [f, g] of largest) console.log(`  ${String(g.lines).padStart(5)}  ${rel(f)}`);
console.log(`import circles: ${components.length}`);
for (const { files: members, arrows } of components) {
  console.log(`  ${members.length} files, ${arrows} arrows: ${members.map(rel).join(' ')}`);
}
const folders = process.argv.slice(2);
for (const folder of folders) {
  const dir = resolve(root, folder);
  const inside = files.filter((f) => f.startsWith(dir + '/'));
  console.log(`${folder}: ${inside.length} files, ${arrowsAmong(graph, inside)} arrows among them`);
  const key = relative(root, dir);
  if (LAYERS[key] !== undefined) {
    const { upward, unlayered } = layerViolations(graph, root, key);
    console.log(`  ${upward.length} arrows pointing upward (layering: scripts/lib/import-graph.mjs)`);
    for (const { from, to } of upward) console.log(`    ${rel(from)} -> ${rel(to)}`);
    if (unlayered.length > 0) console.log(`  not in any layer: ${unlayered.map(rel).join(' ')}`);
  }
}
