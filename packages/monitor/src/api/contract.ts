// The REST API's shapes for its clients (the web UI, the CLI), as `@etcd-monitor/monitor/contract`: the types are
// derived from the route schemas in ./schemas/ (TypeBox `Static<>`), so what the server validates, serializes and
// documents in /api/docs is what its clients are typed with. Only types leave through here, plus the run-time
// constants of ./schemas/values.ts (which imports nothing): the browser bundle takes in no schema library.

export { MAX_PANELS, RANGE_KEYS, type RangeKey } from './schemas/values.ts';
export type { VersionInfo } from './schemas/version.ts';
export type { Role, Session, User, Whoami } from './schemas/auth.ts';
export type { Finding, Member, MemberDetail, MemberError, Probe, Severity } from './schemas/members.ts';
export type { Alarm, Cluster, ClusterConfig, ClusterHealth, ClusterInput, ConnectionTest, HealthStatus, Verdict } from './schemas/clusters.ts';
export type { MonitorEvent } from './schemas/events.ts';
export type { SeriesCatalog, SeriesDef, SeriesPattern, SeriesPoint, SeriesQueryResult, SeriesUnit, StoredSeries } from './schemas/series.ts';
export type { Alert, AlertCounts, AlertHistoryEntry, AlertSummary } from './schemas/alerts.ts';
export type { Rule, RuleDef, RuleTestResult } from './schemas/rules.ts';
export type { Silence } from './schemas/silences.ts';
export type { Channel, DeliveryAttempt } from './schemas/channels.ts';
export type { Notifications, OutboxEntry } from './schemas/notifications.ts';
export type { RouteTable, RoutesView } from './schemas/routes.ts';
export type { Dashboard, Panel } from './schemas/dashboards.ts';
export type { ChannelFieldView, ChannelTypeView } from './schemas/channel-types.ts';
export type {
  AlarmList,
  CompactResult,
  DefragResult,
  EndpointHashList,
  EndpointHealthList,
  EndpointStatusList,
  MemberChange,
  MemberList,
  MemberView,
  MoveLeaderResult,
} from './schemas/maintenance.ts';
export type { EtcdHeader } from './schemas/common.ts';
export type { AuditEntry, DeleteResult, FolderCounts, KeyDetail, KeyHistory, KeyPage, KeyView, LevelEntry, LevelPage, PrefixStats, PutResult } from './schemas/kv.ts';
export type { LeaseInfo, LeaseList, LeaseRevoked, LeaseView } from './schemas/leases.ts';
export type { TxnBody, TxnCompareBody, TxnOpBody, TxnOpResult, TxnResult } from './schemas/txn.ts';
export type { EtcdAuthStatus, EtcdDone, EtcdPermission, EtcdRole, EtcdRoleList, EtcdUser, EtcdUserList } from './schemas/etcd-auth.ts';
