#!/usr/bin/env node
// Structure figures for issue 10: lines per file, import circles, upward arrows.
// usage: node scripts/measure-structure.mjs [folder ...]   (default: every folder under src/)
// Prints the largest files, every import circle (strongly connected component of more than one
// file) with its arrow count, and for each folder given the arrows among its files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

function listTs(dir) {
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

const files = listTs(src);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

// Tarjan's strongly connected components
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
for (const f of files) if (!meta.has(f)) connect(f);

const rel = (f) => relative(src, f);
const largest = [...graph.entries()].sort((a, b) => b[1].lines - a[1].lines).slice(0, 12);
console.log(`files: ${files.length}, lines: ${[...graph.values()].reduce((n, g) => n + g.lines, 0)}`);
console.log('largest files:');
for (const [f, g] of largest) console.log(`  ${String(g.lines).padStart(5)}  ${rel(f)}`);
console.log(`import circles: ${components.length}`);
for (const component of components) {
  const members = new Set(component);
  let arrows = 0;
  for (const f of component) arrows += graph.get(f).targets.filter((t) => members.has(t)).length;
  console.log(`  ${component.length} files, ${arrows} arrows: ${component.map(rel).sort().join(' ')}`);
}
const folders = process.argv.slice(2);
for (const folder of folders) {
  const dir = resolve(root, folder);
  const inside = files.filter((f) => f.startsWith(dir + '/'));
  const set = new Set(inside);
  const arrows = inside.reduce((n, f) => n + graph.get(f).targets.filter((t) => set.has(t)).length, 0);
  console.log(`${folder}: ${inside.length} files, ${arrows} arrows among them`);
}
