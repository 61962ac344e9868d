import type { Alert, Cluster, MemberDetail, MonitorEvent, SeriesCatalog, Whoami } from '@etcd-monitor/monitor/contract';
import { apiPath, useApiQuery, type ApiRequest } from './use-api.ts';

/** clustersRequest is every cluster (`GET /clusters`); the live stream writes each frame into its cached answer. */
export const clustersRequest: ApiRequest = { path: '/clusters' };

/** clusterRequest is one cluster (`GET /clusters/NAME`); the live stream writes its frames into its cached answer. */
export function clusterRequest(name: string): ApiRequest {
  return { path: apiPath`/clusters/${name}` };
}

/** eventsRequest is a cluster's newest events; the live stream prepends new ones to its cached answer. */
export function eventsRequest(cluster: string): ApiRequest {
  return { path: '/events', params: { cluster, limit: '200' } };
}

// The stream keeps these current; staleTime avoids refetching what SSE already delivered.
const LIVE = { staleTime: Infinity } as const;

/** useClusters reads every cluster; the live stream updates the cache. */
export function useClusters() {
  return useApiQuery<Cluster[]>({ ...clustersRequest, ...LIVE });
}

/** useCluster reads one cluster; the live stream updates the cache. */
export function useCluster(name: string) {
  return useApiQuery<Cluster>({ ...clusterRequest(name), ...LIVE });
}

/** useMember reads one member's detail; refreshed every 2 s because the stream carries the cluster, not this shape. */
export function useMember(cluster: string, member: string) {
  return useApiQuery<MemberDetail>({ path: apiPath`/clusters/${cluster}/members/${member}`, refetchInterval: 2000 });
}

/** useEvents reads a cluster's newest events; the live stream prepends new ones. */
export function useEvents(cluster: string) {
  return useApiQuery<MonitorEvent[]>({ ...eventsRequest(cluster), ...LIVE });
}

/** useWhoami tells who the UI acts as; a 401 here is what brings up the login page. */
export function useWhoami() {
  return useApiQuery<Whoami>({ path: '/whoami', staleTime: 60_000, retry: false });
}

/** useAlerts reads pending and firing alerts every 5 s; a 404 means this monitor has no alerting yet. */
export function useAlerts() {
  return useApiQuery<Alert[]>({ path: '/alerts', refetchInterval: 5000, retry: false });
}

/** useSeriesCatalog reads the monitor's series catalogue (titles, units, groups) once; charts take their names from it. */
export function useSeriesCatalog() {
  return useApiQuery<SeriesCatalog>({ path: '/series/catalog', staleTime: Infinity, retry: 1 });
}

/** useCanOperate tells whether the UI's user may change keys (operator or admin); viewers are shown no edit or delete controls. */
export function useCanOperate(): boolean {
  const me = useWhoami();
  return me.data !== undefined && me.data.role !== 'viewer';
}
