// What `etcd-monitor ctl` calls etcd with: the member client, the typed RPCs, the connection options and the
// maintenance steps, without what the index adds for the monitor (cluster view, Prometheus parser, etcdctl JSON
// readers). ctl loads this entry for every command that talks to etcd, so it stays small.
export { type ConnectionOptions, type ConnectionFlags, mergeFlagsWithEnv, resolveConnectionOptions } from './options.ts';
export { MemberClient } from './client.ts';
export { EtcdRpc, FROM_KEY, prefixRangeEnd } from './rpc.ts';
export { saveSnapshot } from './snapshot.ts';
export { defragOne, refuseQuorumLoss, requirePastRevision, rollingDefrag } from './maintenance.ts';
