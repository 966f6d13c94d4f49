// Where the scripts shipped in src/scripts/ are on disk, whether this code
// runs from src/ (tests, tsx) or from dist/ (the installed package keeps
// src/scripts next to dist/, see package.json "files").
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ShippedScript = 'nginx';

/** Resource scripts heartbeat-ts ships, usable from haresources by name. */
export const SHIPPED_SCRIPTS: readonly ShippedScript[] = ['nginx'];

export function shippedScriptPath(name: ShippedScript): string {
  const candidates = [
    new URL(`../../scripts/${name}`, import.meta.url), // src/resources/agents → src/scripts
    new URL(`../../../src/scripts/${name}`, import.meta.url), // dist/resources/agents → src/scripts
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the shipped script ${name} is missing (looked in ${candidates.join(', ')}); reinstall heartbeat-ts`);
  return found;
}
