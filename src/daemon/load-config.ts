// Loading a configuration the way the daemon and `heartbeat --check` both
// need it: the files parsed and validated (src/config), and every haresources
// resource resolved once into the spec that runs it (src/resources) — an
// unresolvable resource is a configuration error. The result is frozen once,
// by the loader.
import { loadClusterConfig, type ClusterConfig, type LoadOptions, type LoadResult } from '../config/index.js';
import { resolveResourceSpecs, type HaResourcesSpec } from '../resources/index.js';

/** A configuration whose resources are resolved: what the daemon runs and --check describes. */
export interface RunnableConfig extends ClusterConfig {
  readonly haResources: HaResourcesSpec;
}

export function loadAndResolveConfig(options: LoadOptions): LoadResult<RunnableConfig> {
  return loadClusterConfig({
    ...options,
    resolveResources: (haResources) => resolveResourceSpecs(haResources, { configDir: options.configDir }),
  });
}
