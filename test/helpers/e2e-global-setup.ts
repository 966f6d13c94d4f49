// Runs once before the e2e project: end-to-end tests need root (namespaces,
// addresses, real daemons) and a few system commands that .ci/run installs.
// A missing prerequisite fails loudly here instead of as a confusing test error.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { killAllIn, staleLabNamespaces } from './netns.js';

const REQUIRED_COMMANDS = ['ip', 'arping', 'curl', 'nginx', 'unshare', 'nsenter', 'tshark'];

export default async function setup(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('the e2e tests need root (network namespaces); run them as root, e.g. sudo npm test');
  }
  const missing: string[] = [];
  for (const cmd of REQUIRED_COMMANDS) {
    const r = await execa('sh', ['-c', `command -v ${cmd}`], { reject: false });
    if (r.exitCode !== 0) missing.push(cmd);
  }
  // The interoperability tests run Debian's real Heartbeat 3.0.6 next to ours.
  if (!existsSync('/usr/libexec/heartbeat/heartbeat')) missing.push('/usr/libexec/heartbeat/heartbeat (Debian package heartbeat)');
  if (!existsSync('dist/cli/heartbeat.js')) missing.push('dist/ (run npm run build first)');
  if (missing.length > 0) {
    throw new Error(`e2e prerequisites missing: ${missing.join(', ')}; run ./scripts/install-system-packages as root`);
  }
  // Namespaces left by an earlier run that was killed before its cleanup ran.
  const stale = await staleLabNamespaces();
  await killAllIn(stale);
  for (const ns of stale) await execa('ip', ['netns', 'del', ns], { reject: false });
}
