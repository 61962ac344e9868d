// What an HTTP/1.1 connection reads of its server, apart from the server itself (which creates connections), so the
// connection's layers need no import of it.
import type net from 'node:net';
import type { H1Request } from './request.ts';
import type { H1Response } from './response.ts';

/** H1Options are the server's limits (ms; 0 disables a timeout). */
export interface H1Options {
  maxHeaderSize: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
}

/** H1Handlers receive parsed requests and upgrade requests. */
export interface H1Handlers {
  request(req: H1Request, res: H1Response): void;
  upgrade(req: H1Request, socket: net.Socket, head: Buffer): void;
}

/** ServerState is what a connection reads of its server: limits, handlers, whether it drains, and its open connections. */
export interface ServerState {
  readonly opts: H1Options;
  readonly handlers: H1Handlers;
  readonly draining: boolean;
  readonly conns: Set<object>;
}
