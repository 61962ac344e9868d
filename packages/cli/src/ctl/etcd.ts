// @etcd-monitor/etcd's ctl entry (its gRPC client: ~40 ms of a process start) is loaded only by a ctl command that
// talks to etcd: `version`, usage errors and bad flags answer without it.
import type * as Net from 'node:net';
import type * as EtcdModule from '@etcd-monitor/etcd/ctl';

/** etcd is @etcd-monitor/etcd/ctl once loadEtcd has run (runCtl runs it before any command that calls etcd). */
export let etcd: typeof EtcdModule;

/** loadEtcd loads @etcd-monitor/etcd/ctl into `etcd`. */
export async function loadEtcd(): Promise<void> {
  if (etcd) return;
  quickIPv6Check();
  etcd = await import('@etcd-monitor/etcd/ctl');
}

/**
 * quickIPv6Check makes node:net's isIPv6 answer false without its regular expression for a string with no colon.
 * grpc-js asks isIPv6 about the address of every connection it opens, and Node's first answer compiles that large
 * expression (4–8 ms of a ctl start, measured with --cpu-prof); an IPv6 address always has a colon, so 127.0.0.1 or a
 * host name is answered at once and `[::1]` as before.
 */
export function quickIPv6Check(): void {
  const net = process.getBuiltinModule('node:net') as typeof Net & { isIPv6: ((s: string) => boolean) & { quick?: true } };
  if (net.isIPv6.quick) return;
  const isIPv6 = net.isIPv6;
  net.isIPv6 = Object.assign((s: string) => typeof s === 'string' && s.includes(':') && isIPv6(s), { quick: true as const });
}
