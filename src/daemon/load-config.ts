// Loading a configuration the way the daemon and `heartbeat --check` both
// need it: the files parsed and validated (src/config), then every
// haresources resource resolved to a script or a built-in agent
// (src/resources) — an unresolvable resource is a configuration error.
import { hasErrors, loadClusterConfig, type LoadOptions, type LoadResult } from '../config/index.js';
import { resolveGroupResources } from '../resources/index.js';

export function loadAndResolveConfig(options: LoadOptions): LoadResult {
  const result = loadClusterConfig(options);
  if (!result.config) return result;
  const resolution = resolveGroupResources(result.config.haResources.groups, {
    configDir: options.configDir,
    file: result.config.haResources.file,
  });
  if (resolution.length === 0) return result;
  const problems = [...result.problems, ...resolution];
  return hasErrors(problems) ? { problems } : { config: result.config, problems };
}
