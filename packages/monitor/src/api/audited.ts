import { AppError, errorMessage } from '@etcd-monitor/core';
import type { Principal } from '../auth/auth.ts';
import type { ApiDeps, AuditDetail } from './deps.ts';

/** Audited runs one operation on a cluster and writes its audit entry with the result, whether it succeeded or failed. */
export type Audited = <T>(req: { ip: string; principal: Principal }, action: string, target: string, cluster: string, command: string, run: () => Promise<T>) => Promise<T>;

/** auditedBy makes the Audited runner that writes to deps.audit; refusals (a guard rail, a bad argument) are recorded too. */
export function auditedBy(deps: ApiDeps): Audited {
  return async (req, action, target, cluster, command, run) => {
    const detail: AuditDetail = { cluster, command };
    try {
      const out = await run();
      deps.audit(action, target, req, { ...detail, result: 'ok' });
      return out;
    } catch (err) {
      deps.audit(action, target, req, { ...detail, result: `${err instanceof AppError ? `${err.code}: ` : ''}${errorMessage(err)}`.slice(0, 500) });
      throw err;
    }
  };
}
