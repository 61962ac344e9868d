import { createHash } from 'node:crypto';

/** fingerprint is a stable hash of an alert's labels, independent of their order: the alert's identity and dedup key. */
export function fingerprint(labels: Record<string, string>): string {
  const h = createHash('sha256');
  // Separators that cannot appear in label names keep {a:"b=c"} and {"a=b":"c"} apart.
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0001`);
  return h.digest('hex').slice(0, 16);
}
