import type { Server } from 'node:http';
import { AppError, parseHostPort } from '@etcd-monitor/core';
import type { AdminBackend } from './backend.ts';
import { createAdminServer } from './router.ts';

function splitAddr(addr: string): { host: string; port: number } {
  return parseHostPort(addr, { field: 'basic.admin_addr', code: 'GW_LISTEN', allowPortZero: true, example: '127.0.0.1:6188' });
}

/** AdminSwap is a prepared change of the admin address: `commit` makes it live, `abort` keeps the old listener. */
export interface AdminSwap {
  /** commit closes the old listener (if the address changed) and keeps the new one. */
  commit(): void;
  /** abort closes the new listener and keeps (or reopens) the old one. */
  abort(): Promise<void>;
}

/**
 * AdminListener owns the admin listener across reloads: `prepare` opens the new address next to the old one, so a reload
 * whose other parts fail leaves the admin listener where it was, and a new address that cannot be bound rejects the reload.
 */
export class AdminListener {
  /** addr is the live address ('' when off). */
  addr = '';
  private server: Server | undefined;
  private readonly backend: AdminBackend;

  constructor(backend: AdminBackend) {
    this.backend = backend;
  }

  /** port is the bound port of the live listener, 0 when off. */
  port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  private async open(addr: string): Promise<Server> {
    const { host, port } = splitAddr(addr);
    const s = createAdminServer(this.backend);
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) =>
        reject(
          new AppError('GW_LISTEN', `basic.admin_addr: cannot listen on ${addr}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {
            cause: err,
            hint: 'pick a free port, or admin_addr = "" to disable the admin listener',
          }),
        ),
      );
      s.listen({ host, port }, resolve);
    });
    return s;
  }

  private static async shut(s: Server | undefined, graceMs = 0): Promise<void> {
    if (!s) return;
    const closed = new Promise<void>((r) => s.close(() => r()));
    // The request that triggered a reload (POST /admin/reload) is answered on the listener being replaced.
    s.closeIdleConnections();
    const cut = setTimeout(() => s.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(cut);
  }

  /** prepare opens `addr` (when it differs from the live one) and returns how to finish; it throws when the address cannot be bound. */
  async prepare(addr: string): Promise<AdminSwap> {
    if (addr === this.addr) return { commit: () => {}, abort: async () => {} };
    const old = this.server;
    const oldAddr = this.addr;
    let fresh: Server | undefined;
    let reopen = false;
    if (addr) {
      try {
        fresh = await this.open(addr);
      } catch (err) {
        // The same port on an overlapping host (127.0.0.1:6188 → 0.0.0.0:6188) cannot be bound beside the old socket.
        const sameSlot = old && ((err as AppError).cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' && splitAddr(addr).port === this.port();
        if (!sameSlot) throw err;
        await AdminListener.shut(old);
        this.server = undefined;
        try {
          fresh = await this.open(addr);
        } catch (again) {
          this.server = await this.open(oldAddr);
          throw again;
        }
        reopen = true;
      }
    }
    return {
      commit: () => {
        if (!reopen) void AdminListener.shut(old, 2000);
        this.server = fresh;
        this.addr = addr;
      },
      abort: async () => {
        await AdminListener.shut(fresh);
        if (reopen) this.server = await this.open(oldAddr);
      },
    };
  }

  /** close stops the listener. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.addr = '';
    await AdminListener.shut(s);
  }
}
