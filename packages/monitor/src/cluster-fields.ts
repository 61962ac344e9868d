// The keys of a `[[clusters]]` table, apart from config.ts so the API contract can type cluster bodies from them
// (ClusterInput) without taking in the config reader: this module imports nothing at run time.
import type { FieldSpec } from '@etcd-monitor/core';

/** clusterFields documents the keys of a `[[clusters]]` table; the TOML file and the API body are both read against it. */
export const clusterFields = {
  name: { kind: 'string', required: true, maxLength: 63, doc: 'Unique cluster name: letters, digits, `-`, `_`, `.`.' },
  endpoints: {
    kind: 'strings',
    strict: true,
    required: true,
    maxItems: 32,
    maxLength: 256,
    doc: 'Seed client endpoints (host:port or URLs), as a list such as ["10.0.1.10:2379"], not a bare string; members found in the member list are added, removed members dropped.',
  },
  group: { kind: 'string', default: '', maxLength: 64, doc: 'Group shown on the overview, such as "prod".' },
  labels: { kind: 'table', maxItems: 32, maxLength: 256, doc: 'String labels copied onto alerts; names of letters, digits and `_` (as Prometheus and Alertmanager require).' },
  cacert: { kind: 'string', maxLength: 4096, doc: 'CA bundle file for TLS clusters; scheme-less endpoints use TLS when cacert, cert or key is set.' },
  cert: { kind: 'string', maxLength: 4096, doc: 'Client certificate file (clusters with --client-cert-auth).' },
  key: { kind: 'string', maxLength: 4096, doc: 'Client key file.' },
  insecure_skip_tls_verify: { kind: 'boolean', default: false, doc: 'Accept any server certificate (unsafe).' },
  user: { kind: 'string', maxLength: 256, doc: 'etcd user name, when authentication is on.' },
  password: { kind: 'string', maxLength: 1024, doc: 'Password of `user`; stored encrypted, never shown back.' },
  metrics_urls: {
    kind: 'strings',
    strict: true,
    default: [],
    maxItems: 32,
    maxLength: 2048,
    doc: 'The /metrics URL (http(s)://…) of each seed endpoint, in the same order, as a list (default: client URL + /metrics).',
  },
  // Lower bounds: a 1 ms status interval and timeout made 1,771 flapping events in 6 s and cost 56 % of a core.
  // No "timeout < interval" rule: a collector's loop never overlaps itself, so a long call only delays its own next run.
  status_interval: {
    kind: 'duration',
    strict: true,
    maxLength: 32,
    default: '1s',
    min: 100,
    max: 600_000,
    doc: "How often each member's status and member list are read (every 250 ms while the cluster is not healthy).",
  },
  probe_interval: {
    kind: 'duration',
    strict: true,
    maxLength: 32,
    default: '2s',
    min: 100,
    max: 600_000,
    doc: 'How often the linearizable and serializable read probes (and the write probe) run.',
  },
  metrics_interval: { kind: 'duration', strict: true, maxLength: 32, default: '5s', min: 1000, max: 600_000, doc: "How often each member's /metrics is scraped." },
  timeout: {
    kind: 'duration',
    strict: true,
    maxLength: 32,
    default: '2s',
    min: 100,
    max: 60_000,
    doc: 'Bound on every call to a member (connect and call); it may exceed the intervals: a collector never overlaps itself, a slow call only delays its own next run.',
  },
  write_probe: { kind: 'boolean', default: false, doc: 'Put /etcd-monitor/probe/<member id> with a 60 s lease to measure write latency.' },
} satisfies Record<string, FieldSpec>;
