/** Balanced is what a balancer needs of a server. */
export interface Balanced {
  /** key identifies the server (`host:port`), stable across re-resolutions. */
  readonly key: string;
  /** weight is the server's relative share. */
  readonly weight: number;
  /** active is the number of requests in flight. */
  active: number;
  /** currentWeight is the smooth weighted round-robin state. */
  currentWeight: number;
}

/** Balancer picks one server among the available ones; `hashKey` is given to hash balancers. */
export interface Balancer<S extends Balanced> {
  /** pick chooses a server for which `ok` is true, or undefined. */
  pick(servers: readonly S[], ok: (s: S) => boolean, hashKey: string): S | undefined;
}

/** SmoothRoundRobin is nginx's smooth weighted round robin: with equal weights it is plain round robin, with weights it interleaves (5,1,1 → a a b a c a a). */
export class SmoothRoundRobin<S extends Balanced> implements Balancer<S> {
  pick(servers: readonly S[], ok: (s: S) => boolean): S | undefined {
    let best: S | undefined;
    let total = 0;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i]!;
      if (!ok(s)) continue;
      s.currentWeight += s.weight;
      total += s.weight;
      if (!best || s.currentWeight > best.currentWeight) best = s;
    }
    if (best) best.currentWeight -= total;
    return best;
  }
}

/** LeastConnections picks the server with the fewest requests in flight relative to its weight; ties rotate so idle servers share the load. */
export class LeastConnections<S extends Balanced> implements Balancer<S> {
  private next = 0;

  pick(servers: readonly S[], ok: (s: S) => boolean): S | undefined {
    let best: S | undefined;
    let bestLoad = Infinity;
    const n = servers.length;
    const start = this.next++ % Math.max(1, n);
    for (let i = 0; i < n; i++) {
      const s = servers[(start + i) % n]!;
      if (!ok(s)) continue;
      const load = s.active / s.weight;
      if (load < bestLoad) {
        best = s;
        bestLoad = load;
      }
    }
    return best;
  }
}

/** WeightedRandom picks a server at random in proportion to its weight. */
export class WeightedRandom<S extends Balanced> implements Balancer<S> {
  pick(servers: readonly S[], ok: (s: S) => boolean): S | undefined {
    let total = 0;
    for (const s of servers) if (ok(s)) total += s.weight;
    let r = Math.random() * total;
    for (const s of servers) {
      if (!ok(s)) continue;
      r -= s.weight;
      if (r < 0) return s;
    }
    return undefined;
  }
}

/** fnv1a is the 32-bit FNV-1a hash, fast and well spread for short keys. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche (murmur3 fmix) spreads keys that differ only in their last characters.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const POINTS_PER_WEIGHT = 160;

/** ConsistentHash maps keys onto a ring of virtual nodes (160 per unit of weight, as ketama does), so adding or removing a server moves only its share of keys; an unavailable server's keys go to the next one on the ring. */
export class ConsistentHash<S extends Balanced> implements Balancer<S> {
  private ring: Uint32Array = new Uint32Array(0);
  private owners: S[] = [];
  private builtFor: readonly S[] | undefined;
  private builtKeys = '';

  private build(servers: readonly S[]): void {
    const keys = servers.map((s) => `${s.key}*${s.weight}`).join(',');
    if (this.builtFor === servers && keys === this.builtKeys) return;
    const points: [number, S][] = [];
    for (const s of servers) for (let i = 0; i < s.weight * POINTS_PER_WEIGHT; i++) points.push([fnv1a(`${s.key}-${i}`), s]);
    points.sort((a, b) => a[0] - b[0]);
    this.ring = Uint32Array.from(points, (p) => p[0]);
    this.owners = points.map((p) => p[1]);
    this.builtFor = servers;
    this.builtKeys = keys;
  }

  pick(servers: readonly S[], ok: (s: S) => boolean, hashKey: string): S | undefined {
    this.build(servers);
    const n = this.ring.length;
    if (n === 0) return undefined;
    const h = fnv1a(hashKey);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    const seen = new Set<S>();
    for (let i = 0; i < n && seen.size < servers.length; i++) {
      const s = this.owners[(lo + i) % n]!;
      if (seen.has(s)) continue;
      seen.add(s);
      if (ok(s)) return s;
    }
    return undefined;
  }
}
