// The supervisor of a gateway's worker processes lives in supervisor/ (supervision, IPC messages, reload, sockets,
// admin back end, the worker entry); this module keeps the names it had for those who import them from here.
export { runPrimary, workerCount, restartDelay } from './supervisor/supervisor.ts';
export { mergeMetrics } from './supervisor/metrics.ts';
export { ListenSockets } from './supervisor/sockets.ts';
export type { WorkerMessage } from './supervisor/messages.ts';
