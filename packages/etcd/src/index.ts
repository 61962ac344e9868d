export { type ConnectionOptions, type ConnectionFlags, type TlsOptions, connectionFlagNames, mergeFlagsWithEnv, resolveConnectionOptions, DEFAULT_ENDPOINT } from './options.ts';
export { MemberClient, type StatusResult, type MemberInfo, type Alarm, type CallOptions, type ServiceName } from './client.ts';
export {
  EtcdRpc,
  FROM_KEY,
  prefixRangeEnd,
  PERMISSION_TYPES,
  type Bytes,
  type Int64Input,
  type RangeOptions,
  type PutOptions,
  type DeleteOptions,
  type TxnCompare,
  type TxnOp,
  type TxnRequestInput,
  type WatchOptions,
  type WatchStream,
} from './rpc.ts';
export type * from './rpc-types.ts';
export type { RangeKeys } from './fast-decode.ts';
export { describeGrpcError } from './grpc-errors.ts';
export { idToHex, hexToDecimal } from './ids.ts';
export { inspectCluster, judge, LAG_THRESHOLD, type ClusterView, type MemberRow, type Verdict, type InspectOptions } from './cluster.ts';
export { saveSnapshot, type SnapshotInfo } from './snapshot.ts';
export {
  defragOne,
  memberHealthy,
  memberNotFound,
  refuseQuorumLoss,
  requirePastRevision,
  rollingDefrag,
  withMember,
  type DefragStep,
  type MemberEndpoint,
  type RollingDefragOptions,
} from './maintenance.ts';
export * as prom from './prom/index.ts';
export { alarmsFromStatus, isAlarmText, statusListsAlarms, type StatusAlarms } from './status-alarms.ts';
export { rowsFromEtcdctl, parseEtcdctlJson, type EtcdctlOutputs } from './etcdctl-json.ts';
export { ETCD_ERRORS } from './error-codes.ts';
