import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { AppError, boundText, checkHostPort, formatIssue, hostPortHint, parseEndpoints, readFields, type ConfigIssue, type FieldSpec } from '@etcd-monitor/core';
import { readAlertingConfig, type AlertingConfig } from './alerting/config.ts';
import { clusterFields } from './cluster-fields.ts';
import type { AuthConfig, ClusterConfig, ServerConfig, StorageConfig } from './model/config.ts';

export type { AuthConfig, ClusterConfig, ServerConfig, StorageConfig } from './model/config.ts';
export { clusterFields } from './cluster-fields.ts';

/** MonitorConfig is the whole configuration. */
export interface MonitorConfig {
  /** server is the `[server]` table. */
  server: ServerConfig;
  /** auth is the `[auth]` table. */
  auth: AuthConfig;
  /** storage is the `[storage]` table. */
  storage: StorageConfig;
  /** alerting holds `[[rules]]`, `[[routes]]`, `[[inhibit_rules]]` and `[[channels]]`. */
  alerting: AlertingConfig;
  /** clusters are the clusters declared in the file. */
  clusters: ClusterConfig[];
}

/** serverFields documents the `[server]` keys. */
export const serverFields: Record<string, FieldSpec> = {
  listen: { kind: 'string', maxLength: 300, doc: 'HTTP address (host:port) of the UI, API and /metrics; `--listen` overrides.', default: '127.0.0.1:8390' },
  data_dir: { kind: 'string', maxLength: 4096, doc: 'Directory of the embedded store, made 0700 with its files 0600 at every start; `--data-dir` overrides.', default: './data' },
  secret_key_file: {
    kind: 'string',
    maxLength: 4096,
    doc: 'File holding the key that encrypts stored credentials (default: DATA_DIR/secret.key), created with 32 random bytes (mode 0600) when missing; put it outside data_dir so a copy of the data is not a copy of the key. `--secret-key-file` overrides; ETCD_MONITOR_SECRET_KEY takes precedence.',
  },
};

/** authFields documents the `[auth]` keys. */
export const authFields: Record<string, FieldSpec> = {
  anonymous_role: {
    kind: 'string',
    oneOf: ['none', 'viewer', 'operator', 'admin'],
    default: 'admin',
    doc: 'Role of requests without a login from a loopback address to a loopback Host (see Security); requests from other addresses or naming another host always need one; "none" requires a login everywhere.',
  },
  login_max_failures: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 1000,
    doc: 'Failed logins for one user name (or 4× this from one address, whatever the names) before logins are refused for login_lockout.',
  },
  login_lockout: { kind: 'duration', strict: true, maxLength: 32, default: '5m', min: 1000, max: 24 * 3600_000, doc: 'How long logins are refused after too many failures.' },
};

/** storageFields documents the `[storage]` keys: how long each resolution of the history is kept. */
export const storageFields: Record<string, FieldSpec> = {
  retention_raw: {
    kind: 'duration',
    strict: true,
    maxLength: 32,
    default: '48h',
    min: 3600_000,
    max: 90 * 86_400_000,
    doc: 'How long raw samples are kept; at most retention_1m.',
  },
  retention_1m: {
    kind: 'duration',
    strict: true,
    maxLength: 32,
    default: '90d',
    min: 86_400_000,
    max: 3650 * 86_400_000,
    doc: 'How long 1-minute rollups are kept; at most retention_1h.',
  },
  retention_1h: { kind: 'duration', strict: true, maxLength: 32, default: '730d', min: 86_400_000, max: 3650 * 86_400_000, doc: 'How long 1-hour rollups are kept.' },
  retention_events: { kind: 'duration', strict: true, maxLength: 32, default: '730d', min: 3600_000, max: 3650 * 86_400_000, doc: 'How long events are kept.' },
};

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const LABEL_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** readClusterConfig validates one cluster table (from TOML or an API body), collecting every issue under `path`. */
export function readClusterConfig(raw: unknown, path: string, issues: ConfigIssue[]): ClusterConfig | undefined {
  const before = issues.length;
  const f = readFields(raw, clusterFields, path, issues);
  if (typeof f.name === 'string' && !NAME_RE.test(f.name)) {
    issues.push({ path: `${path}.name`, message: `"${f.name}" is not a valid name`, hint: 'use letters, digits, "-", "_" or "." (at most 63)' });
  }
  const endpoints: string[] = [];
  if (Array.isArray(f.endpoints)) {
    if (f.endpoints.length === 0) issues.push({ path: `${path}.endpoints`, message: 'is empty', hint: 'list at least one endpoint, e.g. ["127.0.0.1:2379"]' });
    const tls = Boolean(f.cacert || f.cert || f.insecure_skip_tls_verify);
    // Each endpoint on its own, so every bad one is reported under its index.
    (f.endpoints as string[]).forEach((e, i) => {
      try {
        endpoints.push(...parseEndpoints(e, tls));
      } catch (err) {
        issues.push({
          path: `${path}.endpoints[${i}]`,
          message: (err as AppError).message.replace(/^--endpoints: /, '').replace(/^--endpoints is empty$/, 'is empty'),
          hint: 'write each endpoint as host:port or http(s)://host:port',
        });
      }
    });
  }
  ((f.metrics_urls as string[] | undefined) ?? []).forEach((u, i) => {
    if (!/^https?:\/\/[^/\s]+/.test(u))
      issues.push({ path: `${path}.metrics_urls[${i}]`, message: `"${u}" is not an http(s) URL`, hint: 'write it as http(s)://host:port/metrics' });
  });
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries((f.labels as Record<string, unknown> | undefined) ?? {})) {
    if (!LABEL_RE.test(k))
      issues.push({ path: `${path}.labels.${k.slice(0, 64)}`, message: 'is not a valid label name', hint: 'use letters, digits and "_", not starting with a digit' });
    else if (k.length > 256) continue;
    else if (typeof v !== 'string') issues.push({ path: `${path}.labels.${k}`, message: 'expected a string', hint: `write ${k} = "value"` });
    else labels[k] = v;
  }
  for (const k of ['cacert', 'cert', 'key'] as const) {
    const file = f[k] as string | undefined;
    if (file === undefined) continue;
    try {
      readFileSync(file);
    } catch (err) {
      issues.push({
        path: `${path}.${k}`,
        message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        hint: 'check the path (relative paths are taken from the working directory)',
      });
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
  const known = ['server', 'auth', 'storage', 'clusters', 'rules', 'routes', 'inhibit_rules', 'channels'];
  for (const k of Object.keys(doc)) {
    if (!known.includes(k))
      issues.push({
        path: k,
        message: 'unknown key',
        hint: `top-level keys are [server], [auth], [storage], [[clusters]], [[rules]], [[routes]], [[inhibit_rules]] and [[channels]]`,
      });
  }
  const s = readFields(doc.server ?? {}, serverFields, 'server', issues);
  const a = readFields(doc.auth ?? {}, authFields, 'auth', issues);
  const st = readFields(doc.storage ?? {}, storageFields, 'storage', issues);
  const order: Array<[string, string]> = [
    ['retention_raw', 'retention_1m'],
    ['retention_1m', 'retention_1h'],
  ];
  for (const [short, long] of order) {
    if (typeof st[short] === 'number' && typeof st[long] === 'number' && (st[short] as number) > (st[long] as number)) {
      issues.push({
        path: `storage.${short}`,
        message: `keeps data longer than storage.${long}`,
        hint: `a finer resolution is rolled up into the coarser one: make ${short} at most ${long}`,
      });
    }
  }
  const alerting = readAlertingConfig(doc, issues);
  const clusters: ClusterConfig[] = [];
  const rawClusters = doc.clusters ?? [];
  if (!Array.isArray(rawClusters)) issues.push({ path: 'clusters', message: 'expected an array of tables', hint: 'write each cluster as a [[clusters]] table' });
  else {
    rawClusters.forEach((raw, i) => {
      const c = readClusterConfig(raw, `clusters[${i}]`, issues);
      if (!c) return;
      if (clusters.some((x) => x.name === c.name))
        issues.push({ path: `clusters[${i}].name`, message: `duplicate cluster name "${c.name}"`, hint: 'give every cluster its own name' });
      else clusters.push(c);
    });
  }
  const listen = typeof s.listen === 'string' ? checkHostPort(s.listen, { allowPortZero: true }) : undefined;
  if (typeof listen === 'string') issues.push({ path: 'server.listen', message: listen, hint: hostPortHint('127.0.0.1:8390') });
  if (issues.length > 0) throw configError(issues, source);
  return {
    server: { listen: s.listen as string, dataDir: s.data_dir as string, secretKeyFile: s.secret_key_file as string | undefined },
    auth: { anonymousRole: a.anonymous_role as AuthConfig['anonymousRole'], loginMaxFailures: a.login_max_failures as number, loginLockoutMs: a.login_lockout as number },
    storage: { retention: { raw: st.retention_raw as number, m1: st.retention_1m as number, h1: st.retention_1h as number, events: st.retention_events as number } },
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
    throw new AppError('MON_CONFIG', `--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      field: '--config',
      hint: 'check the path of the config file',
    });
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

/**
 * bodyError turns the issues found in an API body (paths under `body.`) into one MON_BAD_REQUEST: the message lists
 * every problem, `field` and `hint` are the first one's, and `issues` carries them all for forms.
 */
export function bodyError(issues: ConfigIssue[]): AppError & { issues: ConfigIssue[] } {
  const all = issues.map((i) => ({ ...i, path: i.path.replace(/^body\.?/, '') || 'body', ...(i.hint ? { hint: i.hint } : {}) }));
  const first = all[0]!;
  const message = all.length === 1 ? `${first.path}: ${first.message}` : `${all.length} problems: ${all.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  const err = new AppError('MON_BAD_REQUEST', message, { field: first.path, hint: first.hint || undefined }) as AppError & { issues: ConfigIssue[] };
  err.issues = all;
  return err;
}

/** readClusterBody validates an API body as a cluster table and throws one MON_BAD_REQUEST listing every problem. */
export function readClusterBody(body: unknown): ClusterConfig {
  const issues: ConfigIssue[] = [];
  const c = readClusterConfig(body, 'body', issues);
  if (!c) throw bodyError(issues);
  return c;
}

/** jsonSchemaOf renders field specs as the JSON schema of an API body, for the OpenAPI document; the specs do the validating. */
export function jsonSchemaOf(fields: Record<string, FieldSpec>, description: string): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fields)) {
    const range =
      spec.kind === 'duration' && spec.min !== undefined && spec.max !== undefined ? ` A duration with its unit, ${boundText(spec.min)} to ${boundText(spec.max)}.` : '';
    const doc = { description: spec.doc + range, ...(spec.default !== undefined ? { default: spec.default } : {}) };
    const len = spec.maxLength !== undefined ? { maxLength: spec.maxLength } : {};
    switch (spec.kind) {
      case 'strings':
        properties[name] = { type: 'array', items: { type: 'string', ...len }, ...(spec.maxItems !== undefined ? { maxItems: spec.maxItems } : {}), ...doc };
        break;
      case 'table':
        properties[name] = { type: 'object', additionalProperties: { type: 'string', ...len }, ...(spec.maxItems !== undefined ? { maxProperties: spec.maxItems } : {}), ...doc };
        break;
      case 'boolean':
        properties[name] = { type: 'boolean', ...doc };
        break;
      case 'integer':
      case 'number':
        properties[name] = { type: spec.kind, ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}), ...doc };
        break;
      default:
        properties[name] = { type: 'string', ...len, ...(spec.oneOf ? { enum: spec.oneOf } : {}), ...doc };
    }
  }
  return {
    type: 'object',
    description,
    required: Object.entries(fields)
      .filter(([, s]) => s.required)
      .map(([n]) => n),
    properties,
  };
}
