import { AppError } from '@etcd-monitor/core';
import type { ApiDeps } from './deps.ts';

/**
 * requireCluster throws MON_NOT_FOUND (404) for a `cluster` parameter that names no configured cluster, so a typo is
 * not answered with an empty 200. `kept` tells whether the store still holds history under that name: a removed
 * cluster keeps its events and series, which stay readable.
 */
export function requireCluster(deps: Pick<ApiDeps, 'registry'>, name: string | undefined, kept?: () => boolean): void {
  if (name === undefined || name === '' || deps.registry.has(name) || kept?.()) return;
  throw new AppError('MON_NOT_FOUND', `no cluster named "${name.slice(0, 200)}"${kept ? ' and no history under that name' : ''}`, {
    field: 'cluster',
    hint: 'GET /api/v1/clusters lists the clusters',
  });
}

/** storedHistory tells whether the store holds events or series of a cluster (one that was removed, say). */
export function storedHistory(deps: Pick<ApiDeps, 'store'>, cluster: string): () => boolean {
  return () => deps.store.queryEvents({ cluster, limit: 1 }).length > 0 || deps.store.listSeries({ cluster }).length > 0;
}
