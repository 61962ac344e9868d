import { useInfiniteQuery } from '@tanstack/react-query';
import type { KeyPage, LevelPage } from '@etcd-monitor/monitor/contract';
import { apiFetch } from './client.ts';
import { apiKey, apiPath, type ApiParams } from './use-api.ts';

/** kvPath is a cluster's key API path: `/clusters/NAME/kv` and what follows it (`/level`, `/key`…). */
export function kvPath(cluster: string, sub = ''): string {
  return apiPath`/clusters/${cluster}/kv` + sub;
}

/** withQuery appends query-string parameters to an API path. */
export function withQuery(path: string, params: ApiParams): string {
  return `${path}?${new URLSearchParams(params)}`;
}

/** useLevel reads one folder level page by page ("load more" fetches the next page by cursor); nothing below it is read. */
export function useLevel(cluster: string, prefix: string, separator: string) {
  const path = kvPath(cluster, '/level');
  const params = { prefix, separator, counts: 'true', limit: '100' };
  return useInfiniteQuery({
    queryKey: apiKey({ path, params }),
    initialPageParam: '',
    queryFn: ({ pageParam, signal }) => apiFetch<LevelPage>(withQuery(path, pageParam ? { ...params, cursor: pageParam } : params), { signal }),
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** useKeyPages reads the keys under a prefix in key order, page by page (the key browser's search by prefix). */
export function useKeyPages(cluster: string, prefix: string, enabled: boolean) {
  const path = kvPath(cluster);
  const params = { prefix, limit: '100' };
  return useInfiniteQuery({
    queryKey: apiKey({ path, params }),
    initialPageParam: '',
    enabled,
    queryFn: ({ pageParam, signal }) => apiFetch<KeyPage>(withQuery(path, pageParam ? { ...params, cursor: pageParam } : params), { signal }),
    getNextPageParam: (last) => last.nextCursor,
  });
}
