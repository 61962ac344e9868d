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
const HOST_PORT = /^(?:https?:\/\/)?(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/;

/** splitLines splits a textarea on newlines and commas, dropping blanks. */
export function splitLines(s: string): string[] {
  return s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
}

/** validateCluster checks the form the way the monitor will, so mistakes show at the field before a round trip. */
export function validateCluster(v: FormValues): Partial<Record<keyof FormValues, string>> {
  const e: Partial<Record<keyof FormValues, string>> = {};
  if (!v.name.trim()) e.name = 'Required: a unique name for the cluster.';
  else if (!NAME.test(v.name.trim())) e.name = 'Use letters, digits, "-", "_" or "." only.';
  const eps = splitLines(v.endpoints);
  if (eps.length === 0) e.endpoints = 'Give at least one endpoint, e.g. 10.0.0.1:2379.';
  else {
    const bad = eps.find((x) => {
      const m = HOST_PORT.exec(x);
      return !m || Number(m[1]) < 1 || Number(m[1]) > 65535;
    });
    if (bad) e.endpoints = `"${bad}" is not host:port or http(s)://host:port.`;
  }
  const badLabel = splitLines(v.labels).find((l) => !/^[^=\s]+=.*$/.test(l));
  if (badLabel) e.labels = `"${badLabel}" is not key=value.`;
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
