import { prom } from '@etcd-monitor/etcd';
import type { prom as Prom } from '@etcd-monitor/etcd';

type MetricSet = Prom.MetricSet;
type LabelMatcher = Prom.LabelMatcher;
type Sample = Prom.Sample;

/** Scrape is one parsed /metrics response and when it was taken (ms since the epoch). */
export interface Scrape {
  /** at is when the scrape was sent, in ms since the epoch; rates divide by the difference of two `at`s. */
  at: number;
  /** set is the parsed exposition. */
  set: MetricSet;
}

import type { PeerSeries } from '../../model/member.ts';

export type { PeerSeries } from '../../model/member.ts';

/** DERIVE_FAMILIES are the metric families deriveSeries and derivePeers read; compactForDerive keeps only these. */
export const DERIVE_FAMILIES: ReadonlySet<string> = new Set([
  'process_start_time_seconds',
  'etcd_server_id',
  'etcd_server_has_leader',
  'etcd_server_is_leader',
  'etcd_server_is_learner',
  'etcd_server_leader_changes_seen_total',
  'etcd_server_proposals_committed_total',
  'etcd_server_proposals_applied_total',
  'etcd_server_proposals_pending',
  'etcd_server_proposals_failed_total',
  'etcd_disk_wal_fsync_duration_seconds',
  'etcd_disk_backend_commit_duration_seconds',
  'etcd_mvcc_db_total_size_in_bytes',
  'etcd_debugging_mvcc_db_total_size_in_bytes',
  'etcd_mvcc_db_total_size_in_use_in_bytes',
  'etcd_server_quota_backend_bytes',
  'etcd_mvcc_put_total',
  'etcd_mvcc_range_total',
  'etcd_mvcc_txn_total',
  'etcd_mvcc_delete_total',
  'etcd_debugging_mvcc_put_total',
  'etcd_debugging_mvcc_range_total',
  'etcd_debugging_mvcc_txn_total',
  'etcd_debugging_mvcc_delete_total',
  'grpc_server_handled_total',
  'etcd_network_peer_round_trip_time_seconds',
  'etcd_network_peer_sent_bytes_total',
  'etcd_network_peer_received_bytes_total',
  'etcd_network_peer_sent_failures_total',
  'etcd_network_peer_received_failures_total',
  'etcd_network_active_peers',
  'etcd_network_disconnected_peers_total',
  'etcd_server_heartbeat_send_failures_total',
  'etcd_server_slow_apply_total',
  'etcd_server_slow_read_indexes_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_open_fds',
  'process_max_fds',
  'os_fd_used',
  'os_fd_limit',
  'etcd_disk_wal_write_bytes_total',
  'etcd_debugging_snap_save_total_duration_seconds',
  'etcd_debugging_mvcc_db_compaction_total_duration_milliseconds',
  // What etcd's Grafana dashboard charts besides the above: streams, leases, client traffic, keys.
  'grpc_server_started_total',
  'etcd_debugging_mvcc_watcher_total',
  'etcd_debugging_mvcc_keys_total',
  'etcd_debugging_lease_granted_total',
  'etcd_debugging_lease_revoked_total',
  'etcd_debugging_lease_renewed_total',
  'etcd_network_client_grpc_received_bytes_total',
  'etcd_network_client_grpc_sent_bytes_total',
]);

/**
 * compactForDerive keeps only what deriveSeries needs from a scrape, so a collector can hold the previous scrape of
 * many members cheaply. Zero-valued counter series are dropped too (most of etcd's 697 grpc_server_handled_total
 * series): when both scrapes come from the same process, deriveSeries reads a series missing from prev as 0.
 */
export function compactForDerive(set: MetricSet): MetricSet {
  const families: MetricSet['families'] = new Map();
  const copies = new Map<string, string>();
  const sameProcessKnown = prom.value(set, 'process_start_time_seconds') !== undefined;
  for (const [name, f] of set.families) {
    if (!DERIVE_FAMILIES.has(name)) continue;
    const dropZeros = sameProcessKnown && f.type === 'counter';
    // Copies whose strings are their own, one per distinct string: the parsed ones keep the scrape text alive.
    const samples = prom.unsliceSamples(dropZeros ? f.samples.filter((s) => s.value !== 0) : f.samples, copies);
    const own = samples[0]?.name === name ? samples[0].name : prom.unslice(name);
    families.set(own, { ...f, name: own, help: '', samples });
  }
  return { families };
}

/**
 * selectForDerive cuts a /metrics text down to the families deriveSeries reads, before parsing, so scraping many
 * members allocates a fraction of a full parse. It keeps their TYPE lines (histogram suffixes need them) and drops the
 * zero-valued non-OK grpc_server_handled_total lines that make up about half of an etcd 3.4 dump; a missing error
 * series reads as 0 (see Window.increase).
 */
export function selectForDerive(text: string): string {
  const keep: string[] = [];
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const line = text.slice(pos, end);
    pos = end + 1;
    if (line.startsWith('#')) {
      if (line.startsWith('# TYPE ') && DERIVE_FAMILIES.has(line.slice(7, line.indexOf(' ', 7)))) keep.push(line);
      continue;
    }
    let i = 0;
    while (i < line.length && line.charCodeAt(i) !== 123 /* { */ && line.charCodeAt(i) !== 32) i++;
    const name = line.slice(0, i);
    if (!DERIVE_FAMILIES.has(name) && !DERIVE_FAMILIES.has(baseName(name))) continue;
    if (name === 'grpc_server_handled_total' && line.endsWith(' 0') && !line.includes('grpc_code="OK"')) continue;
    keep.push(line);
  }
  return keep.join('\n');
}

function baseName(name: string): string {
  if (name.endsWith('_bucket')) return name.slice(0, -7);
  if (name.endsWith('_count')) return name.slice(0, -6);
  if (name.endsWith('_sum')) return name.slice(0, -4);
  return name;
}

const LEADER_CHANGES = 'etcd_server_leader_changes_seen_total';

/**
 * deriveSeries turns one scrape (and the previous one, for rates and window quantiles) into the monitor's named
 * member series; see README.md for each name's source and unit. A series whose inputs are missing is left out,
 * and no value is ever NaN or infinite.
 */
export function deriveSeries(prev: Scrape | undefined, cur: Scrape): Record<string, number> {
  return deriveMember(prev, cur).series;
}

/** deriveMember returns deriveSeries and derivePeers of the same two scrapes, computing the peers once. */
export function deriveMember(prev: Scrape | undefined, cur: Scrape): { series: Record<string, number>; peers: PeerSeries[] } {
  const w = new Window(prev, cur);
  const s = cur.set;
  const out: Record<string, number> = {};
  const put = (name: string, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) out[name] = v;
  };

  put('has_leader', prom.value(s, 'etcd_server_has_leader'));
  put('is_leader', prom.value(s, 'etcd_server_is_leader'));
  put('is_learner', prom.value(s, 'etcd_server_is_learner'));
  put('leader_changes_total', prom.value(s, LEADER_CHANGES));
  put('leader_changes', w.increase(LEADER_CHANGES));

  const committed = prom.value(s, 'etcd_server_proposals_committed_total');
  const applied = prom.value(s, 'etcd_server_proposals_applied_total');
  put('proposals_committed_rate', w.rate('etcd_server_proposals_committed_total'));
  put('proposals_applied_rate', w.rate('etcd_server_proposals_applied_total'));
  put('proposals_pending', prom.value(s, 'etcd_server_proposals_pending'));
  put('proposals_failed_total', prom.value(s, 'etcd_server_proposals_failed_total'));
  put('proposals_failed_rate', w.rate('etcd_server_proposals_failed_total'));
  // The two gauges are read a moment apart inside etcd, so applied can overtake committed by a hair; a gap is never negative.
  if (committed !== undefined && applied !== undefined) put('commit_apply_gap', Math.max(0, committed - applied));

  put('wal_fsync_p50_seconds', w.quantile(0.5, 'etcd_disk_wal_fsync_duration_seconds'));
  put('wal_fsync_p99_seconds', w.quantile(0.99, 'etcd_disk_wal_fsync_duration_seconds'));
  put('backend_commit_p50_seconds', w.quantile(0.5, 'etcd_disk_backend_commit_duration_seconds'));
  put('backend_commit_p99_seconds', w.quantile(0.99, 'etcd_disk_backend_commit_duration_seconds'));

  // etcd 3.3 only has the etcd_debugging_ names; 3.4 serves both with the same values.
  const sizeName = firstPresent(s, 'etcd_mvcc_db_total_size_in_bytes', 'etcd_debugging_mvcc_db_total_size_in_bytes');
  const size = sizeName ? prom.value(s, sizeName) : undefined;
  const inUse = prom.value(s, 'etcd_mvcc_db_total_size_in_use_in_bytes');
  const quota = prom.value(s, 'etcd_server_quota_backend_bytes');
  put('db_size_bytes', size);
  put('db_size_in_use_bytes', inUse);
  // The db file is a gauge that can shrink (defragmentation), so its growth is a plain difference, not a counter rate.
  const growth = sizeName ? w.gaugeDelta(sizeName) : undefined;
  put('db_growth_bytes_per_second', growth);
  put('quota_bytes', quota);
  if (size !== undefined && quota !== undefined && quota > 0) {
    put('quota_used_ratio', size / quota);
    if (growth !== undefined && growth > 0) put('time_to_quota_seconds', Math.max(0, quota - size) / growth);
  }
  if (size !== undefined && inUse !== undefined && size > 0) put('fragmentation_ratio', Math.max(0, 1 - inUse / size));

  for (const op of ['put', 'range', 'txn', 'delete']) {
    const name = firstPresent(s, `etcd_mvcc_${op}_total`, `etcd_debugging_mvcc_${op}_total`);
    if (name) put(`mvcc_${op}_rate`, w.rate(name));
  }

  const grpcRate = w.rate('grpc_server_handled_total');
  put('grpc_requests_rate', grpcRate);
  // Code series are created per method on first use; requests without a non-OK series mean no errors.
  if (grpcRate !== undefined) put('grpc_errors_rate', w.rate('grpc_server_handled_total', { grpc_code: /^(?!OK$)/ }, true));

  const peers = derivePeers(prev, cur);
  let rttMax: number | undefined;
  for (const p of peers) if (p.rttP99 !== undefined) rttMax = Math.max(rttMax ?? 0, p.rttP99);
  put('peer_rtt_p99_seconds', rttMax);
  put('peer_sent_bytes_rate', w.rate('etcd_network_peer_sent_bytes_total'));
  put('peer_received_bytes_rate', w.rate('etcd_network_peer_received_bytes_total'));
  put('peer_sent_failures_rate', w.rate('etcd_network_peer_sent_failures_total', undefined, true));
  // The gauge is created per peer on first contact, so a member without peers (or a lone member) has no series: that is 0.
  put('active_peers', prom.value(s, 'etcd_network_active_peers') ?? (w.isEtcd ? 0 : undefined));

  put('heartbeat_send_failures_total', prom.value(s, 'etcd_server_heartbeat_send_failures_total'));
  put('heartbeat_send_failures_rate', w.rate('etcd_server_heartbeat_send_failures_total'));
  put('slow_applies_total', prom.value(s, 'etcd_server_slow_apply_total'));
  put('slow_applies_rate', w.rate('etcd_server_slow_apply_total'));
  put('slow_read_indexes_rate', w.rate('etcd_server_slow_read_indexes_total'));

  put('process_cpu_seconds_rate', w.rate('process_cpu_seconds_total'));
  put('resident_memory_bytes', prom.value(s, 'process_resident_memory_bytes'));
  const openFds = prom.value(s, 'process_open_fds') ?? prom.value(s, 'os_fd_used');
  const maxFds = prom.value(s, 'process_max_fds') ?? prom.value(s, 'os_fd_limit');
  put('open_fds', openFds);
  put('max_fds', maxFds);
  if (openFds !== undefined && maxFds !== undefined && maxFds > 0) put('fd_used_ratio', openFds / maxFds);

  put('wal_write_bytes_rate', w.rate('etcd_disk_wal_write_bytes_total'));
  put('snapshot_save_p99_seconds', w.quantile(0.99, 'etcd_debugging_snap_save_total_duration_seconds'));
  put('compaction_duration_ms', w.average('etcd_debugging_mvcc_db_compaction_total_duration_milliseconds'));

  // Open streams as etcd's Grafana dashboard counts them: started minus handled (a stream is handled when it ends).
  put('watch_streams', openStreams(s, 'etcdserverpb.Watch', 'Watch'));
  put('lease_keepalive_streams', openStreams(s, 'etcdserverpb.Lease', 'LeaseKeepAlive'));
  put('watchers', prom.value(s, 'etcd_debugging_mvcc_watcher_total'));
  put('keys_total', prom.value(s, 'etcd_debugging_mvcc_keys_total'));
  put('lease_granted_rate', w.rate('etcd_debugging_lease_granted_total'));
  put('lease_revoked_rate', w.rate('etcd_debugging_lease_revoked_total'));
  put('lease_renewed_rate', w.rate('etcd_debugging_lease_renewed_total'));
  put('client_received_bytes_rate', w.rate('etcd_network_client_grpc_received_bytes_total'));
  put('client_sent_bytes_rate', w.rate('etcd_network_client_grpc_sent_bytes_total'));
  // Requests by method and code. Only pairs etcd has counted at least once exist (a zero pair was never served):
  // a few dozen at most, out of etcd's ~700 pre-created zero series.
  if (w.prev !== undefined) {
    const pairs = new Set<string>();
    for (const x of prom.samples(s, 'grpc_server_handled_total')) {
      const method = x.labels.grpc_method;
      const code = x.labels.grpc_code;
      if (x.value > 0 && method && code && GRPC_NAME.test(method) && GRPC_NAME.test(code)) pairs.add(`${method}\u0000${code}`);
    }
    for (const pair of pairs) {
      const [method, code] = pair.split('\u0000') as [string, string];
      put(grpcSeriesName(method, code), w.rate('grpc_server_handled_total', { grpc_method: method, grpc_code: code }));
    }
  }
  return { series: out, peers };
}

const GRPC_NAME = /^[A-Za-z]+$/;

/** GRPC_SERIES matches the per-method, per-code request rate series: `grpc_<Method>_<Code>_rate`, such as `grpc_Range_OK_rate`. */
export const GRPC_SERIES = /^grpc_([A-Za-z]+)_([A-Za-z]+)_rate$/;

/** grpcSeriesName names the request rate series of one gRPC method and status code. */
export function grpcSeriesName(method: string, code: string): string {
  return `grpc_${method}_${code}_rate`;
}

function openStreams(s: MetricSet, service: string, method: string): number | undefined {
  const labels = { grpc_service: service, grpc_method: method, grpc_type: 'bidi_stream' };
  const started = prom.samples(s, 'grpc_server_started_total', labels);
  if (started.length === 0) return undefined;
  const sum = (xs: Sample[]) => xs.reduce((a, x) => a + (Number.isFinite(x.value) ? x.value : 0), 0);
  return Math.max(0, sum(started) - sum(prom.samples(s, 'grpc_server_handled_total', labels)));
}

/** derivePeers lists, per peer of the scraped member, its link state, round-trip p99, failure and byte rates over the window. */
export function derivePeers(prev: Scrape | undefined, cur: Scrape): PeerSeries[] {
  const w = new Window(prev, cur);
  const s = cur.set;
  const ids = new Set<string>();
  const collect = (name: string, label: string) => {
    for (const x of prom.samples(s, name)) {
      const id = x.labels[label];
      // etcd counts bytes of a stream whose sender is not known yet under From="0"; that is no peer.
      if (id !== undefined && id !== '' && id !== '0') ids.add(id);
    }
  };
  collect('etcd_network_active_peers', 'Remote');
  collect('etcd_network_peer_sent_bytes_total', 'To');
  collect('etcd_network_peer_received_bytes_total', 'From');
  collect('etcd_network_peer_round_trip_time_seconds_count', 'To');
  collect('etcd_network_peer_sent_failures_total', 'To');
  collect('etcd_network_peer_received_failures_total', 'From');

  const out: PeerSeries[] = [];
  for (const id of [...ids].sort()) {
    // The peer id outlives the scrape (member facts, alert evidence): as parsed it would keep the scrape text alive.
    const to = prom.unslice(id);
    const p: PeerSeries = { to };
    const set = <K extends keyof PeerSeries>(k: K, v: PeerSeries[K] | undefined) => {
      if (v !== undefined && (typeof v !== 'number' || Number.isFinite(v))) p[k] = v;
    };
    const active = prom.value(s, 'etcd_network_active_peers', { Remote: to });
    set('active', active === undefined ? undefined : active > 0);
    set('rttP99', w.quantile(0.99, 'etcd_network_peer_round_trip_time_seconds', { To: to }));
    set('sentFailuresRate', w.rate('etcd_network_peer_sent_failures_total', { To: to }, true));
    set('receivedFailuresRate', w.rate('etcd_network_peer_received_failures_total', { From: to }, true));
    set('sentBytesRate', w.rate('etcd_network_peer_sent_bytes_total', { To: to }));
    set('receivedBytesRate', w.rate('etcd_network_peer_received_bytes_total', { From: to }));
    set('disconnects', w.increase('etcd_network_disconnected_peers_total', { Remote: to }, true));
    out.push(p);
  }
  return out;
}

/** Window answers counter and histogram questions about the span between two scrapes of one member. */
class Window {
  readonly prev: MetricSet | undefined;
  readonly cur: MetricSet;
  readonly seconds: number | undefined;
  /** restarted is true when the two scrapes come from different processes: every counter in cur counts from 0 inside the window. */
  readonly restarted: boolean;
  /** sameProcess is true when the scrapes provably come from one process, so a series missing in prev was 0 then. */
  readonly sameProcess: boolean;
  /** isEtcd is true when cur looks like an etcd member's metrics. */
  readonly isEtcd: boolean;

  constructor(prev: Scrape | undefined, cur: Scrape) {
    this.cur = cur.set;
    this.isEtcd = prom.value(cur.set, 'etcd_server_has_leader') !== undefined;
    const seconds = prev ? (cur.at - prev.at) / 1000 : 0;
    // A window that is not positive (clock stepped back, same scrape twice) cannot give rates; treat it as a first scrape.
    if (prev === undefined || !(seconds > 0) || !Number.isFinite(seconds)) {
      this.prev = undefined;
      this.seconds = undefined;
      this.restarted = false;
      this.sameProcess = false;
      return;
    }
    this.prev = prev.set;
    this.seconds = seconds;
    const identity = (set: MetricSet) => {
      const start = prom.value(set, 'process_start_time_seconds');
      const id = prom.samples(set, 'etcd_server_id')[0]?.labels.server_id;
      return { start, id };
    };
    const a = identity(prev.set);
    const b = identity(cur.set);
    const startDiffers = a.start !== undefined && b.start !== undefined && a.start !== b.start;
    const idDiffers = a.id !== undefined && b.id !== undefined && a.id !== b.id;
    this.restarted = startDiffers || idDiffers;
    this.sameProcess = !this.restarted && a.start !== undefined && b.start !== undefined;
  }

  /**
   * increase sums a counter's growth over the window across matching series. A drop is a reset (the increase is the
   * new value); after a restart every series counts from 0. `lazy` marks counters etcd creates on the first event
   * (failures): with no series at all in an etcd scrape, nothing has failed, so the increase is 0.
   */
  increase(name: string, labels?: LabelMatcher, lazy = false): number | undefined {
    if (this.prev === undefined) return undefined;
    const cur = prom.samples(this.cur, name, labels);
    if (cur.length === 0) return lazy && this.isEtcd ? 0 : undefined;
    const before = new Map<string, number>();
    if (!this.restarted) for (const x of prom.samples(this.prev, name, labels)) before.set(seriesKey(x), x.value);
    let sum = 0;
    let paired = 0;
    for (const x of cur) {
      if (!Number.isFinite(x.value)) continue;
      const p = before.get(seriesKey(x));
      if (p === undefined) {
        // A series born during the window started at 0, but only when we know no restart hid an older value.
        if (this.restarted || this.sameProcess) {
          sum += x.value;
          paired++;
        }
        continue;
      }
      sum += x.value < p ? x.value : x.value - p;
      paired++;
    }
    if (paired === 0) return lazy && this.isEtcd ? 0 : undefined;
    return sum;
  }

  /** rate is increase per second over the window. */
  rate(name: string, labels?: LabelMatcher, lazy = false): number | undefined {
    const inc = this.increase(name, labels, lazy);
    return inc === undefined || this.seconds === undefined ? undefined : inc / this.seconds;
  }

  /** gaugeDelta is how fast a gauge moved per second (negative when it fell). */
  gaugeDelta(name: string): number | undefined {
    if (this.prev === undefined || this.seconds === undefined) return undefined;
    const a = prom.value(this.prev, name);
    const b = prom.value(this.cur, name);
    return a === undefined || b === undefined ? undefined : (b - a) / this.seconds;
  }

  /** quantile is a histogram quantile over the window, or over the process lifetime without a previous scrape; undefined without observations. */
  quantile(q: number, name: string, labels?: LabelMatcher): number | undefined {
    const cur = prom.histogramBuckets(this.cur, name, labels);
    if (cur.length === 0) return undefined;
    const buckets = this.prev === undefined || this.restarted ? cur : prom.histogramDelta(prom.histogramBuckets(this.prev, name, labels), cur);
    const v = prom.histogramQuantile(q, buckets);
    return Number.isFinite(v) ? v : undefined;
  }

  /** average is a histogram's mean observation (sum/count) over the window, or the lifetime without a previous scrape. */
  average(name: string): number | undefined {
    const sum = prom.value(this.cur, `${name}_sum`);
    const count = prom.value(this.cur, `${name}_count`);
    if (sum === undefined || count === undefined) return undefined;
    let dSum = sum;
    let dCount = count;
    if (this.prev !== undefined && !this.restarted) {
      const pSum = prom.value(this.prev, `${name}_sum`) ?? 0;
      const pCount = prom.value(this.prev, `${name}_count`) ?? 0;
      // A count that fell means a restart the identity check missed; what cur holds is all new.
      if (count >= pCount) {
        dSum = sum - pSum;
        dCount = count - pCount;
      }
    }
    return dCount > 0 ? dSum / dCount : undefined;
  }
}

function firstPresent(set: MetricSet, ...names: string[]): string | undefined {
  for (const n of names) if (prom.samples(set, n).length > 0) return n;
  return undefined;
}

function seriesKey(s: Sample): string {
  const keys = Object.keys(s.labels).sort();
  let k = s.name;
  for (const key of keys) k += `\u0000${key}\u0001${s.labels[key]}`;
  return k;
}
