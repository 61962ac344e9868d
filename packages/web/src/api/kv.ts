import { useEffect, useState } from 'react';
import { infiniteQueryOptions, useInfiniteQuery, useIsFetching, useQueries, type InfiniteData, type QueryClient } from '@tanstack/react-query';
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

/** levelQuery is the query of one folder level, page by page by cursor; useLevel draws it, the keys page prefetches it. */
export function levelQuery(cluster: string, prefix: string, separator: string) {
  const path = kvPath(cluster, '/level');
  // Without counts: each count walks its folder in etcd; useFolderCounts fills them in once the page is shown.
  const params = { prefix, separator, limit: '100' };
  return infiniteQueryOptions({
    queryKey: apiKey({ path, params }),
    initialPageParam: '',
    queryFn: ({ pageParam, signal }) => apiFetch<LevelPage>(withQuery(path, pageParam ? { ...params, cursor: pageParam } : params), { signal }),
    getNextPageParam: (last) => last.nextCursor,
    // A level just read (by the page's prefetch) is drawn as it is, not read again as the level mounts.
    staleTime: 5000,
  });
}

/** singleFolder is the prefix of a level's only entry when that is a folder (the whole level in one page), else undefined. */
export function singleFolder(level: InfiniteData<LevelPage> | undefined, prefix: string): string | undefined {
  const first = level?.pages.length === 1 ? level.pages[0]! : undefined;
  const e = first?.nextCursor === undefined && first?.items.length === 1 ? first.items[0]! : undefined;
  return e?.kind === 'folder' ? (e.prefix ?? prefix + e.name) : undefined;
}

/**
 * prefetchLevel reads a level into the cache (unless it is there, fresh) and, when it holds a single folder, that
 * folder's level after it: opening it is then the only thing to do, and the click draws it from the cache.
 */
export async function prefetchLevel(qc: QueryClient, cluster: string, prefix: string, separator: string): Promise<void> {
  const level = await qc.fetchInfiniteQuery(levelQuery(cluster, prefix, separator)).catch(() => undefined);
  const only = singleFolder(level, prefix);
  if (only !== undefined) await qc.prefetchInfiniteQuery(levelQuery(cluster, only, separator));
}

/** useLevel reads one folder level page by page ("load more" fetches the next page by cursor); nothing below it is read. */
export function useLevel(cluster: string, prefix: string, separator: string) {
  return useInfiniteQuery(levelQuery(cluster, prefix, separator));
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

/**
 * useLevelsIdle tells whether no folder level of the cluster has been read (a prefetch included) for LEVELS_QUIET_MS:
 * a level drawn starts the reads it prompts (the prefetch of a single folder, the level of an open one) in effects
 * of the same commit, which the quiet time lets start first.
 */
export function useLevelsIdle(cluster: string): boolean {
  const path = kvPath(cluster, '/level');
  const fetching = useIsFetching({ predicate: (q) => q.queryKey[0] === path }) > 0;
  const [quiet, setQuiet] = useState(false);
  useEffect(() => {
    if (fetching) return;
    const t = setTimeout(() => setQuiet(true), LEVELS_QUIET_MS);
    return () => {
      clearTimeout(t);
      setQuiet(false);
    };
  }, [fetching]);
  return quiet && !fetching;
}

/** LEVELS_QUIET_MS is how long no level read must be under way before the counts are asked for. */
const LEVELS_QUIET_MS = 50;

/**
 * useFolderCounts reads the key counts of each level page's folders (one request a page, at that page's revision),
 * keyed by prefixBase64; a page's counts are asked for only once `enabled` (counts already read stay).
 */
export function useFolderCounts(cluster: string, pages: readonly LevelPage[], enabled = true): ReadonlyMap<string, number> {
  const path = kvPath(cluster, '/counts');
  const results = useQueries({
    queries: pages.map((p) => {
      const prefixes = p.items.flatMap((e) => (e.kind === 'folder' && e.prefixBase64 !== undefined ? [e.prefixBase64] : []));
      const query = `${prefixes.map((b) => `prefixBase64=${encodeURIComponent(b)}`).join('&')}&revision=${p.revision}`;
      return {
        queryKey: apiKey({ path, params: { query } }),
        enabled: enabled && prefixes.length > 0,
        staleTime: Infinity,
        queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<FolderCounts>(`${path}?${query}`, { signal }),
      };
    }),
  });
  const counts = new Map<string, number>();
  for (const r of results) for (const c of r.data?.counts ?? []) counts.set(c.prefixBase64, c.count);
  return counts;
}
