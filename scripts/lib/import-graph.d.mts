// Types of import-graph.mjs, for the TypeScript tests that use it.
export interface FileImports {
  readonly lines: number;
  readonly targets: readonly string[];
}
export type ImportGraph = Map<string, FileImports>;
export const LAYERS: Readonly<Record<string, readonly (readonly string[])[]>>;
export function listTs(dir: string): string[];
export function importGraph(dir: string): ImportGraph;
export function importCircles(graph: ImportGraph): { files: string[]; arrows: number }[];
export function arrowsAmong(graph: ImportGraph, files: readonly string[]): number;
export function layerViolations(
  graph: ImportGraph,
  root: string,
  folder: string,
): { upward: { from: string; to: string }[]; unlayered: string[] };
