// The part of observe/ that loads prom-client: imported on demand by the daemon.
export { DaemonMetrics, METRIC_PREFIX } from './metrics.js';
export { startObserveServer } from './http-server.js';
export { STATUS_PAGE_HTML } from './status-page.js';
