import { useInfiniteQuery, useQueries } from '@tanstack/react-query';
import type { FolderCounts, KeyPage, LevelPage } from '@etcd-monitor/monitor/contract';
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
  // Without counts: each count walks its folder in etcd; useFolderCounts fills them in once the page is shown.
  const params = { prefix, separator, limit: '100' };
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

/** useFolderCounts reads the key counts of each level page's folders (one request a page, at that page's revision), keyed by prefixBase64. */
export function useFolderCounts(cluster: string, pages: readonly LevelPage[]): ReadonlyMap<string, number> {
  const path = kvPath(cluster, '/counts');
  const results = useQueries({
    queries: pages.map((p) => {
      const prefixes = p.items.flatMap((e) => (e.kind === 'folder' && e.prefixBase64 !== undefined ? [e.prefixBase64] : []));
      const query = `${prefixes.map((b) => `prefixBase64=${encodeURIComponent(b)}`).join('&')}&revision=${p.revision}`;
      return {
        queryKey: apiKey({ path, params: { query } }),
        enabled: prefixes.length > 0,
        staleTime: Infinity,
        queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<FolderCounts>(`${path}?${query}`, { signal }),
      };
    }),
  });
  const counts = new Map<string, number>();
  for (const r of results) for (const c of r.data?.counts ?? []) counts.set(c.prefixBase64, c.count);
  return counts;
}
