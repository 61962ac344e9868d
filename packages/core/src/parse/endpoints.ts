import { AppError } from '../errors.ts';

/** parseEndpoints splits and normalises a comma-separated endpoint list; scheme-less endpoints use TLS when `secure`. */
export function parseEndpoints(list: string, secure = false): string[] {
  const parts = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) {
    throw new AppError('ETCD_BAD_ENDPOINT', '--endpoints is empty', { field: '--endpoints', hint: 'give host:port pairs, e.g. --endpoints 127.0.0.1:2379,127.0.0.1:22379' });
  }
  return parts.map((p) => normaliseEndpoint(p, secure));
}

function normaliseEndpoint(raw: string, secure: boolean): string {
  const bad = (why: string) =>
    new AppError('ETCD_BAD_ENDPOINT', `--endpoints: "${raw}" ${why}`, {
      field: '--endpoints',
      hint: 'write each endpoint as host:port or http(s)://host:port, separated by commas',
    });
  let text = raw;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `${secure ? 'https' : 'http'}://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('is not a valid address');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`uses the unsupported scheme "${url.protocol.replace(':', '')}"`);
  if (!url.hostname) throw bad('has no host');
  if (!url.port) throw bad('has no port');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) throw bad('must not have a path, query or credentials');
  return `${url.protocol}//${url.host}`;
}
