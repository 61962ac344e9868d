import { AppError } from '@etcd-monitor/core';
import { EtcdRpc, MemberClient } from '@etcd-monitor/etcd';
import { connectionFor } from '../cluster-monitor.ts';
import type { ClusterConfig } from '../model/index.ts';

// The clients the operations routes (key browser, maintenance) talk to a cluster through: one per cluster, apart from
// the collectors' pinned per-member clients, so an operator's large range never queues behind (or delays) a health poll.

/** UNREACHABLE are the codes after which a read is tried on the cluster's next endpoint. */
const UNREACHABLE = new Set(['ETCD_UNREACHABLE', 'ETCD_DIAL_TIMEOUT', 'ETCD_TIMEOUT', 'ETCD_NO_LEADER', 'ETCD_CLOSED']);

interface Entry {
  key: string;
  endpoints: string[];
  at: number;
  rpc: EtcdRpc;
}

/** OpsClients keeps one EtcdRpc per cluster for operator requests, re-made when the cluster's connection settings change. */
export class OpsClients {
  private readonly entries = new Map<string, Entry>();
  private readonly configOf: (name: string) => ClusterConfig;

  constructor(configOf: (name: string) => ClusterConfig) {
    this.configOf = configOf;
  }

  /** get returns the cluster's client (connecting to its current endpoint lazily). */
  get(name: string): EtcdRpc {
    const c = this.configOf(name);
    const key = JSON.stringify([c.endpoints, c.user, c.password, c.cacert, c.cert, c.key, c.insecureSkipTlsVerify, c.timeoutMs]);
    let e = this.entries.get(name);
    if (e && e.key !== key) {
      e.rpc.client.close();
      e = undefined;
    }
    if (!e) {
      if (c.endpoints.length === 0) throw new AppError('MON_BAD_REQUEST', `cluster ${name} has no endpoints`, { field: 'endpoints' });
      e = { key, endpoints: c.endpoints, at: 0, rpc: new EtcdRpc(new MemberClient(c.endpoints[0]!, connectionFor(c))) };
      this.entries.set(name, e);
    }
    return e.rpc;
  }

  /**
   * read runs a read-only call, moving to the cluster's next endpoint when the current one cannot be reached (each
   * endpoint tried once); writes use get() and are never retried, so a write is applied at most once.
   */
  async read<T>(name: string, call: (rpc: EtcdRpc) => Promise<T>): Promise<T> {
    let lastErr: unknown;
    const tries = this.configOf(name).endpoints.length;
    // Reads run side by side on one client (the keys page reads two levels at once): a read that fails moves the
    // cluster on by closing that client, and the others then fail with ETCD_CLOSED. Theirs is no answer from an
    // endpoint: they try the new client without counting it (bounded all the same), and never report it over a real error.
    for (let i = 0, closedBySibling = 0; i < tries; i++) {
      const rpc = this.get(name);
      try {
        return await call(rpc);
      } catch (err) {
        if (!(err instanceof AppError) || !UNREACHABLE.has(err.code)) throw err;
        const moved = err.code === 'ETCD_CLOSED' && this.entries.get(name)?.rpc !== rpc;
        if (!moved || lastErr === undefined) lastErr = err;
        if (moved && closedBySibling++ < tries) i--;
        else this.rotate(name, rpc);
      }
    }
    throw lastErr;
  }

  /** rotate moves the cluster to its next endpoint after `failed` could not reach the current one (once per client). */
  private rotate(name: string, failed: EtcdRpc): void {
    const e = this.entries.get(name);
    if (!e || e.rpc !== failed || e.endpoints.length < 2) return;
    e.at = (e.at + 1) % e.endpoints.length;
    e.rpc.client.close();
    e.rpc = new EtcdRpc(new MemberClient(e.endpoints[e.at]!, connectionFor(this.configOf(name))));
  }

  /** close closes every client. */
  close(): void {
    for (const e of this.entries.values()) e.rpc.client.close();
    this.entries.clear();
  }
}
