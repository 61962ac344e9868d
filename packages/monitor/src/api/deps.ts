import type { Registry as PromRegistry } from 'prom-client';
import type { AlertingService } from '../alerting/service.ts';
import type { Auth, Principal, Role } from '../auth/auth.ts';
import type { ClusterRegistry } from '../registry.ts';
import type { AuditEntry, Store } from '../storage/types.ts';
import type { LiveHub } from './live.ts';

/** AuditDetail is what an audit entry of an operation on a cluster adds: the cluster, the command as etcdctl spells it, the result. */
export type AuditDetail = Pick<AuditEntry, 'cluster' | 'command' | 'result'>;

// Its own module, so the routes can name what they serve from without importing the app that imports them.
/** ApiDeps are what the HTTP API serves from. */
export interface ApiDeps {
  /** registry holds the running cluster monitors. */
  registry: ClusterRegistry;
  /** store holds history, events and documents. */
  store: Store;
  /** live fans out updates to Server-Sent Events clients. */
  live: LiveHub;
  /** metrics is the monitor's own Prometheus registry. */
  metrics: PromRegistry;
  /** audit records a mutating action by the request's principal; operations on a cluster add the cluster, the etcdctl command and the result. */
  audit(action: string, target: string, req: { ip: string; principal: Principal }, detail?: AuditDetail): void;
  /** auth holds users and sessions. */
  auth: Auth;
  /** alerting is the alert pipeline. */
  alerting: AlertingService;
  /** anonymousRole is the role of loopback requests without a session. */
  anonymousRole: Role | 'none';
  /** version is the monitor's version, for the OpenAPI document. */
  version: string;
}
