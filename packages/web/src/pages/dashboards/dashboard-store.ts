import { useEffect } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { apiFetch, ApiError } from '../../api/client.ts';
import { useWhoami } from '../../api/queries.ts';
import type { Dashboard, Panel } from '@etcd-monitor/monitor/contract';
import { apiKey, useApiQuery, type ApiRequest } from '../../api/use-api.ts';

export type { Dashboard, Panel } from '@etcd-monitor/monitor/contract';

const DASHBOARDS: ApiRequest = { path: '/dashboards' };
const QUERY_KEY = apiKey(DASHBOARDS);

/** LEGACY_KEY is where dashboards lived before the monitor stored them: imported once, then removed. */
export const LEGACY_KEY = 'etcd-monitor.dashboards.v1';

/** newDashboardId makes an id the API accepts (letters and digits). */
export function newDashboardId(): string {
  return Math.random().toString(36).slice(2, 10).padEnd(8, '0');
}

/** samePanel tells whether two panels draw the same chart (the API refuses the same chart twice on a dashboard). */
export function samePanel(a: Panel, b: Panel): boolean {
  return a.cluster === b.cluster && a.series === b.series && a.member === b.member;
}

function replaceCached(qc: QueryClient, d: Dashboard): void {
  qc.setQueryData<Dashboard[]>(QUERY_KEY, (old) => (old ? (old.some((x) => x.id === d.id) ? old.map((x) => (x.id === d.id ? d : x)) : [...old, d]) : [d]));
}

/** saveDashboard creates or replaces a dashboard on the monitor and puts the answer into the cache. */
export async function saveDashboard(qc: QueryClient, d: { id: string; name: string; panels: Panel[] }): Promise<Dashboard> {
  const saved = await apiFetch<Dashboard>(`/dashboards/${encodeURIComponent(d.id)}`, { method: 'PUT', body: { name: d.name, panels: d.panels } });
  replaceCached(qc, saved);
  return saved;
}

/** deleteDashboard removes a dashboard on the monitor and from the cache. */
export async function deleteDashboard(qc: QueryClient, id: string): Promise<void> {
  await apiFetch<void>(`/dashboards/${encodeURIComponent(id)}`, { method: 'DELETE' });
  qc.setQueryData<Dashboard[]>(QUERY_KEY, (old) => old?.filter((x) => x.id !== id));
}

/** pinPanel adds a panel to a dashboard (read fresh from the monitor, so a colleague's change is kept) unless the chart is there. */
export async function pinPanel(qc: QueryClient, id: string, panel: Panel): Promise<Dashboard> {
  const cur = await apiFetch<Dashboard>(`/dashboards/${encodeURIComponent(id)}`);
  if (cur.panels.some((p) => samePanel(p, panel))) {
    replaceCached(qc, cur);
    return cur;
  }
  return saveDashboard(qc, { ...cur, panels: [...cur.panels, panel] });
}

interface LegacyChart {
  cluster?: unknown;
  series?: unknown;
  member?: unknown;
}

/** legacyDashboards reads the dashboards this browser kept in localStorage, as API bodies. */
export function legacyDashboards(raw: string | null): Array<{ id: string; name: string; panels: Panel[] }> {
  let v: unknown;
  try {
    v = JSON.parse(raw ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  return v.flatMap((d: { id?: unknown; name?: unknown; charts?: unknown }) => {
    if (!d || typeof d !== 'object') return [];
    const panels: Panel[] = [];
    for (const c of (Array.isArray(d.charts) ? d.charts : []) as LegacyChart[]) {
      if (typeof c?.cluster !== 'string' || typeof c.series !== 'string') continue;
      const p: Panel = { cluster: c.cluster, series: c.series, range: 'live', ...(typeof c.member === 'string' ? { member: c.member } : {}) };
      if (!panels.some((x) => samePanel(x, p))) panels.push(p);
    }
    const id = typeof d.id === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(d.id) ? d.id : newDashboardId();
    const name = typeof d.name === 'string' && d.name.trim() ? d.name.trim().slice(0, 100) : 'Imported dashboard';
    return [{ id, name, panels: panels.slice(0, 50) }];
  });
}

let importing = false;

/**
 * importLegacy moves dashboards from this browser's localStorage to the monitor once, then removes the local copy.
 * Only a user who may edit dashboards can import; for a viewer the local copy stays until an operator opens the UI.
 */
async function importLegacy(qc: QueryClient, existing: Dashboard[]): Promise<void> {
  if (importing || typeof localStorage === 'undefined') return;
  const raw = localStorage.getItem(LEGACY_KEY);
  if (raw === null) return;
  importing = true;
  try {
    for (const d of legacyDashboards(raw)) {
      // An id already on the monitor was imported before (another tab, an interrupted import): keep the monitor's.
      if (existing.some((x) => x.id === d.id)) continue;
      await saveDashboard(qc, d);
    }
    localStorage.removeItem(LEGACY_KEY);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  } finally {
    importing = false;
  }
}

/** useDashboards reads the shared dashboards from the monitor, importing this browser's old local ones once. */
export function useDashboards() {
  const qc = useQueryClient();
  const canEdit = useCanEditDashboards();
  const q = useApiQuery<Dashboard[]>({ ...DASHBOARDS, staleTime: 10_000 });
  useEffect(() => {
    if (q.data && canEdit) void importLegacy(qc, q.data);
  }, [q.data, canEdit, qc]);
  return q;
}

/** useCanEditDashboards tells whether the UI's user may change dashboards (operator or admin). */
export function useCanEditDashboards(): boolean {
  const me = useWhoami();
  return me.data !== undefined && me.data.role !== 'viewer';
}
