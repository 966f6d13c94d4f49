// Observability (issue 14): the recent-events journal and resource moves
// (always on, cheap), and the opt-in HTTP listener with /metrics
// (prom-client), /status.json and the live status page. The daemon imports
// `./http.js` lazily, only when `[http] listen` is set, so a node without it
// never loads prom-client.
export { EventJournal, EVENT_JOURNAL_CAPACITY } from './events.js';
export type { ClusterEvent, ClusterEventKind } from './events.js';
export { MoveTracker, classifyActivity, MOVE_REASONS } from './moves.js';
export type { Activity, GroupOpResult, Move, MoveClass, MoveKind } from './moves.js';
export type { MetricsSource, BuildInfo, DaemonMetrics } from './metrics.js';
export type { ObserveServer, ObserveServerOptions } from './http-server.js';

/** The HTTP part (prom-client, the server, the page), loaded on first use. */
export const loadObserveHttp = (): Promise<typeof import('./http.js')> => import('./http.js');
