// An ESM import of node:http evaluates all of its exports, and Node 24's lazy ones (WebSocket, MessageEvent, …) load
// the bundled undici and with it tls, http2, zlib and worker_threads: 14 MB of RSS in every gateway worker that never
// uses them. process.getBuiltinModule returns the same module without touching those getters.
import type * as Http from 'node:http';

/** http is node:http, loaded without its lazy web exports. */
export const http: typeof Http = process.getBuiltinModule('node:http');
