import { parseEndpoints } from '@etcd-monitor/core/parse';
import type { ClusterConfig } from '@etcd-monitor/monitor/contract';

/** FormValues are the cluster form's raw inputs, as typed. */
export interface FormValues {
  name: string;
  endpoints: string;
  group: string;
  labels: string;
  user: string;
  password: string;
  cacert: string;
  cert: string;
  key: string;
  insecure: boolean;
  writeProbe: boolean;
}

const NAME = /^[A-Za-z0-9._-]+$/;

/** splitLines splits a textarea on newlines and commas, dropping blanks. */
export function splitLines(s: string): string[] {
  return s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** validateCluster checks the form with the monitor's own endpoint parser, so mistakes show at the field before a round trip. */
export function validateCluster(v: FormValues): Partial<Record<keyof FormValues, string>> {
  const e: Partial<Record<keyof FormValues, string>> = {};
  if (!v.name.trim()) e.name = 'Required: a unique name for the cluster.';
  else if (!NAME.test(v.name.trim())) e.name = 'Use letters, digits, "-", "_" or "." only.';
  const eps = splitLines(v.endpoints);
  if (eps.length === 0) e.endpoints = 'Give at least one endpoint, e.g. 10.0.0.1:2379.';
  else {
    const bad = eps.find((x) => {
      try {
        parseEndpoints(x);
        return false;
      } catch {
        return true;
      }
    });
    if (bad) e.endpoints = `"${bad}" is not host:port or http(s)://host:port.`;
  }
  const badLabel = splitLines(v.labels).find((l) => !/^[^=\s]+=.*$/.test(l));
  // The monitor takes label names as Prometheus does: letters, digits and "_", not starting with a digit.
  const badName = splitLines(v.labels)
    .map((l) => l.slice(0, l.indexOf('=')).trim())
    .find((k) => k && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  if (badLabel) e.labels = `"${badLabel}" is not key=value.`;
  else if (badName) e.labels = `"${badName}" is not a label name: use letters, digits and "_", not starting with a digit.`;
  if ((v.cert.trim() === '') !== (v.key.trim() === '')) e[v.cert.trim() ? 'key' : 'cert'] = 'A client certificate needs both cert and key.';
  return e;
}

/** toInput turns valid form values into the API's cluster body; an empty password is left out (keeps the stored one). */
export function toInput(v: FormValues) {
  const labels = Object.fromEntries(splitLines(v.labels).map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));
  return {
    name: v.name.trim(),
    endpoints: splitLines(v.endpoints),
    ...(v.group.trim() ? { group: v.group.trim() } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
    ...(v.user.trim() ? { user: v.user.trim() } : {}),
    ...(v.password ? { password: v.password } : {}),
    ...(v.cacert.trim() ? { cacert: v.cacert.trim() } : {}),
    ...(v.cert.trim() ? { cert: v.cert.trim() } : {}),
    ...(v.key.trim() ? { key: v.key.trim() } : {}),
    ...(v.insecure ? { insecure_skip_tls_verify: true } : {}),
    ...(v.writeProbe ? { write_probe: true } : {}),
  };
}

/** fromConfig fills the form from `GET /clusters/NAME/config`; the password stays empty (write-only). */
export function fromConfig(c: ClusterConfig): FormValues {
  return {
    name: c.name,
    endpoints: (c.endpoints ?? []).join('\n'),
    group: c.group ?? '',
    labels: Object.entries(c.labels ?? {})
      .map(([k, x]) => `${k}=${x}`)
      .join('\n'),
    user: c.user ?? '',
    password: '',
    cacert: c.cacert ?? '',
    cert: c.cert ?? '',
    key: c.key ?? '',
    insecure: c.insecure_skip_tls_verify === true,
    writeProbe: c.write_probe === true,
  };
}

// The keys the form edits; every other key of the stored config is sent back as it was.
const FORM_KEYS = ['name', 'endpoints', 'group', 'labels', 'user', 'password', 'cacert', 'cert', 'key', 'insecure_skip_tls_verify', 'write_probe'];

/**
 * toReplaceInput is the PUT body for an edit: every key of the stored config (intervals, timeout, metrics_urls, …)
 * with the form's keys on top, so a replace never resets what the form does not show. `has_password` and `source`
 * are read-only and dropped; an empty password is left out so the stored one is kept.
 */
export function toReplaceInput(stored: ClusterConfig, v: FormValues): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(stored)) {
    if (k === 'has_password' || k === 'source' || FORM_KEYS.includes(k) || x === undefined || x === null) continue;
    kept[k] = x;
  }
  const form = toInput(v);
  return { ...kept, ...form, name: stored.name, insecure_skip_tls_verify: v.insecure, write_probe: v.writeProbe };
}
