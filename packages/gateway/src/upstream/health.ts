import { http } from '../http1/node-http.ts';
import { connect } from 'node:net';
import type { HealthCheckSpec } from '../config/schema.ts';
import type { Upstream, UpstreamServer } from './upstream.ts';

interface Streak {
  ok: number;
  fail: number;
}

/** probe runs one check against a server and resolves to whether it passed (a 2xx/3xx answer, or an accepted TCP connection). */
export function probe(server: UpstreamServer, spec: HealthCheckSpec, tls: boolean, verify: boolean): Promise<boolean> {
  const { host, port } = server;
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(ok);
    };
    let handle: { destroy(): void } | undefined;
    const timer = setTimeout(() => {
      finish(false);
      handle?.destroy();
    }, spec.timeout);
    if (spec.protocol === 'tcp') {
      const sock = connect({ host, port }, () => {
        finish(true);
        sock.destroy();
      });
      handle = sock;
      sock.on('error', () => finish(false));
      return;
    }
    const useTls = spec.protocol === 'https' || tls;
    // node:https (with node:tls) costs a worker ~8 MB, so it is loaded by the first https:// check only.
    const fn = useTls ? process.getBuiltinModule('node:https').request : http.request;
    const req = fn(
      { host, port, path: spec.path, method: 'GET', agent: false, headers: { host: spec.hostHeader, 'user-agent': 'etcd-monitor-gateway/health' }, rejectUnauthorized: verify },
      (res) => {
        res.resume();
        res.on('end', () => finish(res.statusCode !== undefined && res.statusCode < 400));
        res.on('error', () => finish(false));
      },
    );
    handle = req;
    req.on('error', () => finish(false));
    req.end();
  });
}

/** HealthChecker runs an upstream's active checks on an interval and flips a server's `healthy` after `failure` consecutive failures or `success` consecutive passes. */
export class HealthChecker {
  private readonly upstream: Upstream;
  private readonly spec: HealthCheckSpec;
  private readonly tls: boolean;
  private readonly verify: boolean;
  private readonly streaks = new WeakMap<UpstreamServer, Streak>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** checks counts completed check rounds, for tests and metrics. */
  rounds = 0;

  private readonly onChange: (() => void) | undefined;

  constructor(upstream: Upstream, spec: HealthCheckSpec, tls: boolean, verify: boolean, onChange?: () => void) {
    this.onChange = onChange;
    this.upstream = upstream;
    this.spec = spec;
    this.tls = tls;
    this.verify = verify;
  }

  /** start runs a first round now and then one per interval. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.round(), this.spec.interval);
    this.timer.unref();
    void this.round();
  }

  /** round checks every server once. */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let changed = false;
    try {
      await Promise.all(
        this.upstream.servers.map(async (s) => {
          const ok = await probe(s, this.spec, this.tls, this.verify);
          const st = this.streaks.get(s) ?? { ok: 0, fail: 0 };
          this.streaks.set(s, st);
          if (ok) {
            st.ok++;
            st.fail = 0;
            if (!s.healthy && st.ok >= this.spec.success) changed = s.healthy = true;
          } else {
            st.fail++;
            st.ok = 0;
            if (s.healthy && st.fail >= this.spec.failure) {
              s.healthy = false;
              changed = true;
            }
          }
        }),
      );
      this.rounds++;
    } finally {
      this.running = false;
    }
    if (changed) this.onChange?.();
  }

  /** stop ends the checks. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
