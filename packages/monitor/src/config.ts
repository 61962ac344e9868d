import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { AppError, formatIssue, readFields, type ConfigIssue, type FieldSpec } from '@etcd-monitor/core';
import { parseEndpoints } from '@etcd-monitor/etcd';
import { readAlertingConfig, type AlertingConfig } from './alerting/config.ts';

/** ServerConfig is the `[server]` table: where the monitor listens and keeps its data. */
export interface ServerConfig {
  /** listen is the HTTP address of the UI, API and /metrics, `host:port`. */
  listen: string;
  /** dataDir holds the embedded store and the secret key file. */
  dataDir: string;
  /** secretKeyFile holds the key that encrypts stored credentials; created (mode 0600) when missing. */
  secretKeyFile: string | undefined;
}

/** ClusterConfig is one monitored cluster, from a `[[clusters]]` table or the API. */
export interface ClusterConfig {
  /** name identifies the cluster in the API, UI, events and alerts. */
  name: string;
  /** endpoints are the seed client URLs; every member in the member list is watched, not only these. */
  endpoints: string[];
  /** group places the cluster in a group on the overview, such as `prod`. */
  group: string;
  /** labels are free-form key/value pairs copied onto the cluster's alerts. */
  labels: Record<string, string>;
  /** cacert is the CA bundle file for TLS clusters. */
  cacert?: string;
  /** cert is the client certificate file. */
  cert?: string;
  /** key is the client key file. */
  key?: string;
  /** insecureSkipTlsVerify accepts any server certificate. */
  insecureSkipTlsVerify: boolean;
  /** user is the etcd user name, when etcd authentication is on. */
  user?: string;
  /** password is the etcd user's password; stored encrypted, never returned by the API. */
  password?: string;
  /** metricsUrls override where each member's /metrics is scraped (default: its client URL + /metrics). */
  metricsUrls: string[];
  /** statusInterval is how often every member's status is read. */
  statusIntervalMs: number;
  /** probeInterval is how often the read (and write) probes run against every member. */
  probeIntervalMs: number;
  /** metricsInterval is how often every member's /metrics is scraped. */
  metricsIntervalMs: number;
  /** timeout bounds every call to a member. */
  timeoutMs: number;
  /** writeProbe turns on a put under the reserved prefix `/etcd-monitor/probe/` with a short lease, for write latency. */
  writeProbe: boolean;
}

/** AuthConfig is the `[auth]` table: who may use the API without logging in. */
export interface AuthConfig {
  /** anonymousRole is the role of requests without a session from a loopback address; `none` requires a login everywhere. */
  anonymousRole: 'none' | 'viewer' | 'operator' | 'admin';
}

/** MonitorConfig is the whole configuration. */
export interface MonitorConfig {
  /** server is the `[server]` table. */
  server: ServerConfig;
  /** auth is the `[auth]` table. */
  auth: AuthConfig;
  /** alerting holds `[[rules]]`, `[[routes]]`, `[[inhibit_rules]]` and `[[channels]]`. */
  alerting: AlertingConfig;
  /** clusters are the clusters declared in the file. */
  clusters: ClusterConfig[];
}

/** serverFields documents the `[server]` keys. */
export const serverFields: Record<string, FieldSpec> = {
  listen: { kind: 'string', doc: 'HTTP address of the UI, API and /metrics (host:port).', default: '127.0.0.1:8390' },
  data_dir: { kind: 'string', doc: 'Directory of the embedded store and the secret key file.', default: './data' },
  secret_key_file: { kind: 'string', doc: 'File holding the key that encrypts stored credentials (default: DATA_DIR/secret.key; or set ETCD_MONITOR_SECRET_KEY).' },
};

/** authFields documents the `[auth]` keys. */
export const authFields: Record<string, FieldSpec> = {
  anonymous_role: {
    kind: 'string',
    oneOf: ['none', 'viewer', 'operator', 'admin'],
    default: 'admin',
    doc: 'Role of requests from loopback addresses without a login (requests from other addresses always need one); "none" requires a login everywhere.',
  },
};

/** clusterFields documents the keys of a `[[clusters]]` table. */
export const clusterFields: Record<string, FieldSpec> = {
  name: { kind: 'string', required: true, doc: 'Unique cluster name (letters, digits, `-`, `_`, `.`).' },
  endpoints: { kind: 'strings', required: true, doc: 'Seed client endpoints (host:port or URLs); every member in the member list is watched.' },
  group: { kind: 'string', default: '', doc: 'Group shown on the overview, such as "prod".' },
  labels: { kind: 'table', doc: 'Free-form string labels copied onto alerts.' },
  cacert: { kind: 'string', doc: 'CA bundle file for TLS clusters.' },
  cert: { kind: 'string', doc: 'Client certificate file (clusters with --client-cert-auth).' },
  key: { kind: 'string', doc: 'Client key file.' },
  insecure_skip_tls_verify: { kind: 'boolean', default: false, doc: 'Accept any server certificate (unsafe).' },
  user: { kind: 'string', doc: 'etcd user name, when authentication is on.' },
  password: { kind: 'string', doc: 'Password of `user`; stored encrypted, never shown back.' },
  metrics_urls: { kind: 'strings', default: [], doc: 'Override the /metrics URL of each member (default: client URL + /metrics).' },
  status_interval: { kind: 'duration', default: '1s', doc: 'How often each member\'s status is read.' },
  probe_interval: { kind: 'duration', default: '2s', doc: 'How often the read (and write) probes run.' },
  metrics_interval: { kind: 'duration', default: '5s', doc: 'How often each member\'s /metrics is scraped.' },
  timeout: { kind: 'duration', default: '2s', doc: 'Bound on every call to a member.' },
  write_probe: { kind: 'boolean', default: false, doc: 'Put a key under /etcd-monitor/probe/ with a short lease to measure write latency.' },
};

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** readClusterConfig validates one cluster table (from TOML or an API body), collecting issues under `path`. */
export function readClusterConfig(raw: unknown, path: string, issues: ConfigIssue[]): ClusterConfig | undefined {
  const before = issues.length;
  const f = readFields(raw, clusterFields, path, issues);
  if (typeof f.name === 'string' && !NAME_RE.test(f.name)) {
    issues.push({ path: `${path}.name`, message: `"${f.name}" is not a valid name`, hint: 'use letters, digits, "-", "_" or "." (at most 63)' });
  }
  let endpoints: string[] = [];
  if (Array.isArray(f.endpoints)) {
    if (f.endpoints.length === 0) issues.push({ path: `${path}.endpoints`, message: 'is empty', hint: 'list at least one endpoint, e.g. ["127.0.0.1:2379"]' });
    const tls = Boolean(f.cacert || f.cert || f.insecure_skip_tls_verify);
    try {
      endpoints = f.endpoints.length ? parseEndpoints((f.endpoints as string[]).join(','), tls) : [];
    } catch (err) {
      issues.push({ path: `${path}.endpoints`, message: (err as AppError).message.replace(/^--endpoints: /, ''), hint: 'write each endpoint as host:port or http(s)://host:port' });
    }
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries((f.labels as Record<string, unknown> | undefined) ?? {})) {
    if (typeof v !== 'string') issues.push({ path: `${path}.labels.${k}`, message: 'expected a string', hint: `write ${k} = "value"` });
    else labels[k] = v;
  }
  for (const k of ['cacert', 'cert', 'key'] as const) {
    const file = f[k] as string | undefined;
    if (file === undefined) continue;
    try {
      readFileSync(file);
    } catch (err) {
      issues.push({ path: `${path}.${k}`, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, hint: 'check the path (relative paths are taken from the working directory)' });
    }
  }
  if (Boolean(f.cert) !== Boolean(f.key)) issues.push({ path: `${path}.${f.cert ? 'key' : 'cert'}`, message: 'is missing', hint: 'a client certificate needs both cert and key' });
  if (f.password !== undefined && f.user === undefined) issues.push({ path: `${path}.user`, message: 'is missing', hint: 'password is set, so set user too' });
  if (issues.length > before) return undefined;
  return {
    name: f.name as string,
    endpoints,
    group: f.group as string,
    labels,
    ...(f.cacert ? { cacert: f.cacert as string } : {}),
    ...(f.cert ? { cert: f.cert as string } : {}),
    ...(f.key ? { key: f.key as string } : {}),
    insecureSkipTlsVerify: f.insecure_skip_tls_verify as boolean,
    ...(f.user !== undefined ? { user: f.user as string } : {}),
    ...(f.password !== undefined ? { password: f.password as string } : {}),
    metricsUrls: f.metrics_urls as string[],
    statusIntervalMs: f.status_interval as number,
    probeIntervalMs: f.probe_interval as number,
    metricsIntervalMs: f.metrics_interval as number,
    timeoutMs: f.timeout as number,
    writeProbe: f.write_probe as boolean,
  };
}

/** parseConfig validates a parsed TOML document; every problem is reported at once, each with its key path and a hint. */
export function parseConfig(doc: Record<string, unknown>, source = 'config'): MonitorConfig {
  const issues: ConfigIssue[] = [];
  const known = ['server', 'auth', 'clusters', 'rules', 'routes', 'inhibit_rules', 'channels'];
  for (const k of Object.keys(doc)) {
    if (!known.includes(k)) issues.push({ path: k, message: 'unknown key', hint: `top-level keys are [server], [auth], [[clusters]], [[rules]], [[routes]], [[inhibit_rules]] and [[channels]]` });
  }
  const s = readFields(doc.server ?? {}, serverFields, 'server', issues);
  const a = readFields(doc.auth ?? {}, authFields, 'auth', issues);
  const alerting = readAlertingConfig(doc, issues);
  const clusters: ClusterConfig[] = [];
  const rawClusters = doc.clusters ?? [];
  if (!Array.isArray(rawClusters)) issues.push({ path: 'clusters', message: 'expected an array of tables', hint: 'write each cluster as a [[clusters]] table' });
  else {
    rawClusters.forEach((raw, i) => {
      const c = readClusterConfig(raw, `clusters[${i}]`, issues);
      if (!c) return;
      if (clusters.some((x) => x.name === c.name)) issues.push({ path: `clusters[${i}].name`, message: `duplicate cluster name "${c.name}"`, hint: 'give every cluster its own name' });
      else clusters.push(c);
    });
  }
  if (typeof s.listen === 'string' && !/^(\[[0-9a-fA-F:]+\]|[^:]+):\d{1,5}$/.test(s.listen)) {
    issues.push({ path: 'server.listen', message: `"${s.listen}" is not host:port`, hint: 'e.g. 127.0.0.1:8390' });
  }
  if (issues.length > 0) throw configError(issues, source);
  return {
    server: { listen: s.listen as string, dataDir: s.data_dir as string, secretKeyFile: s.secret_key_file as string | undefined },
    auth: { anonymousRole: a.anonymous_role as AuthConfig['anonymousRole'] },
    alerting,
    clusters,
  };
}

/** loadConfig reads and validates a TOML config file; without a path it returns the zero-config defaults. */
export function loadConfig(path?: string): MonitorConfig {
  if (!path) return parseConfig({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('MON_CONFIG', `--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, { field: '--config', hint: 'check the path of the config file' });
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { line?: number; column?: number; message: string };
    const where = e.line ? `line ${e.line}${e.column ? `, column ${e.column}` : ''}` : 'somewhere';
    throw new AppError('MON_CONFIG', `${path}: invalid TOML at ${where}: ${e.message.split('\n')[0]}`, { field: '--config', hint: 'fix the TOML syntax' });
  }
  return parseConfig(doc, path);
}

/** configError bundles config issues into one AppError whose message lists them all, one per line. */
export function configError(issues: ConfigIssue[], source: string): AppError {
  const lines = issues.map((i) => `  ${formatIssue(i)}`).join('\n');
  const err = new AppError('MON_CONFIG', `${source}: ${issues.length} problem${issues.length > 1 ? 's' : ''}:\n${lines}`, { field: issues[0]?.path ?? 'config' });
  (err as AppError & { issues: ConfigIssue[] }).issues = issues;
  return err;
}
