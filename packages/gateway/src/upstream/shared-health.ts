// Active health checks for a gateway of several worker processes: the primary checks each upstream once per interval and
// hands the verdicts to every worker, instead of every worker probing every server (N workers were N× the probes, and
// each worker could see a server in another state).
import type { GatewayConfig } from '../config/schema.ts';
import { Upstream } from './upstream.ts';

/** HealthSnapshot is the shared verdict of every checked upstream: its config fingerprint (to match the worker's upstream of the same config) and the servers that are down. */
export type HealthSnapshot = Record<string, { fingerprint: string; down: string[] }>;

/** SharedHealth runs the active health checks of a config in one process and reports every change of verdict. */
export class SharedHealth {
  private upstreams = new Map<string, Upstream>();
  private readonly onChange: (snapshot: HealthSnapshot) => void;

  constructor(onChange: (snapshot: HealthSnapshot) => void) {
    this.onChange = onChange;
  }

  /** update follows a new config: upstreams whose settings are unchanged keep their checker and verdicts, the others start afresh. */
  update(config: GatewayConfig): void {
    const next = new Map<string, Upstream>();
    for (const [name, uc] of Object.entries(config.upstreams)) {
      if (!uc.health_check) continue;
      const old = this.upstreams.get(name);
      if (old && old.fingerprint === JSON.stringify(uc)) next.set(name, old);
      else {
        const up = new Upstream(name, uc, { onHealthChange: () => this.onChange(this.snapshot()) });
        next.set(name, up);
        void up.ready.then(() => {
          if (this.upstreams.get(name) === up) up.start();
        });
      }
    }
    for (const [name, up] of this.upstreams) if (next.get(name) !== up) void up.destroy();
    this.upstreams = next;
  }

  /** snapshot is the current verdict of every checked upstream. */
  snapshot(): HealthSnapshot {
    const out: HealthSnapshot = {};
    for (const [name, up] of this.upstreams) out[name] = { fingerprint: up.fingerprint, down: up.servers.filter((s) => !s.healthy).map((s) => s.key) };
    return out;
  }

  /** close stops every check. */
  async close(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.destroy()));
    this.upstreams.clear();
  }
}

/** applyHealth hands a snapshot's verdicts to the upstreams of the same name and config. */
export function applyHealth(upstreams: Iterable<Upstream>, snapshot: HealthSnapshot): void {
  for (const up of upstreams) {
    const h = snapshot[up.name];
    if (h && h.fingerprint === up.fingerprint) up.setSharedHealth(new Set(h.down));
  }
}
