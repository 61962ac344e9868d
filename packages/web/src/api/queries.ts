import { useQuery } from '@tanstack/react-query';
import { apiFetch } from './client.ts';
import type { Alert, Cluster, MemberDetail, MonitorEvent, SeriesCatalog, Whoami } from '@etcd-monitor/monitor/contract';

// The stream keeps these current; staleTime avoids refetching what SSE already delivered.
const LIVE = { staleTime: Infinity } as const;

/** useClusters reads every cluster; the live stream updates the cache. */
export function useClusters() {
  return useQuery({ queryKey: ['clusters'], queryFn: ({ signal }) => apiFetch<Cluster[]>('/clusters', { signal }), ...LIVE });
}

/** useCluster reads one cluster; the live stream updates the cache. */
export function useCluster(name: string) {
  return useQuery({ queryKey: ['cluster', name], queryFn: ({ signal }) => apiFetch<Cluster>(`/clusters/${encodeURIComponent(name)}`, { signal }), ...LIVE });
}

/** useMember reads one member's detail; refreshed every 2 s because the stream carries the cluster, not this shape. */
export function useMember(cluster: string, member: string) {
  return useQuery({
    queryKey: ['member', cluster, member],
    queryFn: ({ signal }) => apiFetch<MemberDetail>(`/clusters/${encodeURIComponent(cluster)}/members/${encodeURIComponent(member)}`, { signal }),
    refetchInterval: 2000,
  });
}

/** useEvents reads a cluster's newest events; the live stream prepends new ones. */
export function useEvents(cluster: string) {
  return useQuery({ queryKey: ['events', cluster], queryFn: ({ signal }) => apiFetch<MonitorEvent[]>(`/events?cluster=${encodeURIComponent(cluster)}&limit=200`, { signal }), ...LIVE });
}

/** useWhoami tells who the UI acts as; a 401 here is what brings up the login page. */
export function useWhoami() {
  return useQuery({ queryKey: ['whoami'], queryFn: ({ signal }) => apiFetch<Whoami>('/whoami', { signal }), staleTime: 60_000, retry: false });
}

/** useAlerts reads pending and firing alerts every 5 s; a 404 means this monitor has no alerting yet. */
export function useAlerts() {
  return useQuery({ queryKey: ['alerts'], queryFn: ({ signal }) => apiFetch<Alert[]>('/alerts', { signal }), refetchInterval: 5000, retry: false });
}

/** useSeriesCatalog reads the monitor's series catalogue (titles, units, groups) once; charts take their names from it. */
export function useSeriesCatalog() {
  return useQuery({ queryKey: ['series-catalog'], queryFn: ({ signal }) => apiFetch<SeriesCatalog>('/series/catalog', { signal }), staleTime: Infinity, retry: 1 });
}
