import { readFileSync } from 'node:fs';

/**
 * metricsDump is one of two real `/metrics` pages of the leader of a 3-member etcd 3.4.23 cluster: `t0`, and `t1`
 * about 300 proposals later. Every package's tests read this one copy (in etcd's testdata/, beside the etcdctl
 * JSON recordings) rather than keeping their own.
 */
export function metricsDump(at: 't0' | 't1'): string {
  return readFileSync(new URL(`../testdata/etcd-3.4.23-metrics-${at}.txt`, import.meta.url), 'utf8');
}
