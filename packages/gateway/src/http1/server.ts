// The gateway's HTTP/1.1 server: raw net/tls sockets parsed by Node's llhttp binding in strict mode, with a small
// request/response pair shaped like node:http's (the subset the proxy and the plugins use). It exists because node:http's
// server machinery alone costs more than half a core's throughput; see docs/gateway.md (Benchmark). One concern per file:
// connection.ts parses and dispatches, pipeline.ts answers in order, timeouts.ts sweeps, response.ts writes, framing.ts
// holds the rules a request head must meet.
import type net from 'node:net';
import { H1Conn } from './connection.ts';
import type { H1Handlers, H1Options, ServerState } from './options.ts';
import { tick } from './timeouts.ts';

/** H1Server accepts sockets from a net or tls listener and serves HTTP/1.1 on them. */
export class H1Server implements ServerState {
  opts: H1Options;
  readonly handlers: H1Handlers;
  readonly conns = new Set<H1Conn>();
  draining = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: H1Options, handlers: H1Handlers) {
    this.opts = opts;
    this.handlers = handlers;
  }

  /** handle serves a connection; `first` holds bytes already read from it (protocol sniffing). */
  handle(sock: net.Socket, first?: Buffer): void {
    sock.setNoDelay(true);
    if (!this.timer) tick();
    new H1Conn(this, sock, first);
    if (!this.timer) {
      this.timer = setInterval(() => {
        const now = tick();
        for (const x of this.conns) x.sweep(now);
        if (this.conns.size === 0) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
      }, 1000);
      this.timer.unref();
    }
  }

  /** closeIdle closes the connections with nothing in flight; with `drain`, the others close after their response. */
  closeIdle(drain = true): void {
    if (drain) this.draining = true;
    for (const c of this.conns) c.closeIfIdle();
  }
}
