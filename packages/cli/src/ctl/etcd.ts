// @etcd-monitor/etcd (its gRPC client and protobufjs: ~60 ms of a process start) is loaded only by a ctl command that
// talks to etcd: `version`, usage errors and bad flags answer without it.
import type * as EtcdModule from '@etcd-monitor/etcd';

/** etcd is @etcd-monitor/etcd once loadEtcd has run (runCtl runs it before any command that calls etcd). */
export let etcd: typeof EtcdModule;

/** loadEtcd loads @etcd-monitor/etcd into `etcd`. */
export async function loadEtcd(): Promise<void> {
  etcd ??= await import('@etcd-monitor/etcd');
}
