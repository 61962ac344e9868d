export {
  type ConnectionOptions,
  type ConnectionFlags,
  type TlsOptions,
  connectionFlagNames,
  mergeFlagsWithEnv,
  resolveConnectionOptions,
  DEFAULT_ENDPOINT,
} from './options.ts';
export { MemberClient, type StatusResult, type MemberInfo, type Alarm, type CallOptions } from './client.ts';
export { describeGrpcError } from './grpc-errors.ts';
export { idToHex, hexToDecimal } from './ids.ts';
export { inspectCluster, judge, LAG_THRESHOLD, type ClusterView, type MemberRow, type Verdict, type InspectOptions } from './cluster.ts';
export { saveSnapshot, type SnapshotInfo } from './snapshot.ts';
export * as prom from './prom/index.ts';
export { alarmsFromStatus, isAlarmText, statusListsAlarms, type StatusAlarms } from './status-alarms.ts';
export { rowsFromEtcdctl, parseEtcdctlJson, type EtcdctlOutputs } from './etcdctl-json.ts';
export { ETCD_ERRORS } from './error-codes.ts';
