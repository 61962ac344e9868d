import { useMutation, useQuery, useQueryClient, type MutationOptions, type QueryClient, type QueryKey, type UseQueryOptions } from '@tanstack/react-query';
import { apiFetch } from './client.ts';

/** ApiParams are a GET's query-string parameters. */
export type ApiParams = Record<string, string>;

/** ApiRequest names one GET of the API: its path under /api/v1 and its query-string parameters. */
export interface ApiRequest {
  /** path is the path under /api/v1, values in it URL-encoded (see apiPath). */
  path: string;
  /** params are the query-string parameters, if any. */
  params?: ApiParams;
}

/** apiPath builds an API path from a template, URL-encoding every value put into it: apiPath`/clusters/${name}`. */
export function apiPath(parts: TemplateStringsArray, ...values: Array<string | number>): string {
  return parts.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

/**
 * apiKey is the query-cache key of a GET: its path, then its params when it has any. Every API answer in the cache is
 * under such a key, so whatever writes into the cache (the live stream, a mutation) names the request, never a key.
 */
export function apiKey({ path, params }: ApiRequest): QueryKey {
  return params && Object.keys(params).length > 0 ? [path, params] : [path];
}

function apiUrl({ path, params }: ApiRequest): string {
  return params && Object.keys(params).length > 0 ? `${path}?${new URLSearchParams(params)}` : path;
}

/** underPath tells whether a query key is the answer of a GET at `prefix` or below it (`/clusters` covers `/clusters/main/config`). */
export function underPath(key: QueryKey, prefix: string): boolean {
  const path = key[0];
  return typeof path === 'string' && (path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
}

/** invalidatePaths marks the cached answers at and below each path prefix stale and refetches those on screen. */
export function invalidatePaths(qc: QueryClient, prefixes: readonly string[]): Promise<void> {
  if (prefixes.length === 0) return Promise.resolve();
  return qc.invalidateQueries({ predicate: (q) => prefixes.some((p) => underPath(q.queryKey, p)) });
}

/** ApiQueryOptions are a GET (path and params) and the query's options (polling, staleness, retries, enabled). */
export type ApiQueryOptions<T> = ApiRequest & Omit<UseQueryOptions<T, Error, T, QueryKey>, 'queryKey' | 'queryFn'>;

/** apiQueryOptions turns a GET and its options into the query's: the key from apiKey, the fetch from apiFetch. */
export function apiQueryOptions<T>({ path, params, ...options }: ApiQueryOptions<T>): UseQueryOptions<T, Error, T, QueryKey> {
  const req: ApiRequest = params ? { path, params } : { path };
  return { ...options, queryKey: apiKey(req), queryFn: ({ signal }) => apiFetch<T>(apiUrl(req), { signal }) };
}

/** useApiQuery reads `GET /api/v1{path}?{params}` through the query cache, keyed by path and params (apiKey). */
export function useApiQuery<T>(options: ApiQueryOptions<T>) {
  return useQuery(apiQueryOptions(options));
}

/** ApiMutationOptions describe a call that changes something: method, path, body, and what it makes stale. */
export interface ApiMutationOptions<V> {
  /** method is the HTTP method of the call. */
  method: 'POST' | 'PUT' | 'DELETE';
  /** path is the path under /api/v1, or a function of the mutation's variables that builds it (with apiPath). */
  path: string | ((vars: V) => string);
  /** body builds the JSON body from the mutation's variables; without it the call has no body. */
  body?: (vars: V) => unknown;
  /**
   * invalidates lists the path prefixes whose cached answers the call makes stale; they are refetched once it
   * settles (a failed call may have changed something too, and a conflict means the cached copy is old). Without
   * it: the resource the call's path is under (`/rules/NAME` → `/rules`). `[]` for a call that changes nothing cached.
   */
  invalidates?: readonly string[];
}

/** apiMutationOptions turns a call's description into the mutation's: the fetch, then the refetch of what it made stale. */
export function apiMutationOptions<T, V>(qc: QueryClient, { method, path, body, invalidates }: ApiMutationOptions<V>): MutationOptions<T, Error, V> {
  const pathOf = (vars: V) => (typeof path === 'function' ? path(vars) : path);
  return {
    mutationFn: (vars) => apiFetch<T>(pathOf(vars), { method, body: body?.(vars) }),
    onSettled: (_data, _err, vars) => invalidatePaths(qc, invalidates ?? [`/${pathOf(vars).split('/')[1] ?? ''}`]),
  };
}

/**
 * useApiMutation sends a POST, PUT or DELETE to the API and then refetches what it made stale, by path prefix;
 * `mutateAsync` settles after that refetch, so a caller that waits sees the new state.
 */
export function useApiMutation<T = void, V = void>(options: ApiMutationOptions<V>) {
  return useMutation(apiMutationOptions<T, V>(useQueryClient(), options));
}
