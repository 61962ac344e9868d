import { useSyncExternalStore } from 'react';
import type { Unit } from '../../lib/format.ts';

/** PinnedChart is one chart on a dashboard: a series of a cluster, optionally of one member. */
export interface PinnedChart {
  cluster: string;
  series: string;
  member?: string;
  title: string;
  unit: Unit;
}

/** Dashboard is a named, ordered list of pinned charts. */
export interface Dashboard {
  id: string;
  name: string;
  charts: PinnedChart[];
}

// Dashboards live in this browser's localStorage until the monitor gets a documents API for them.
const KEY = 'etcd-monitor.dashboards.v1';
const listeners = new Set<() => void>();
let cache: Dashboard[] | null = null;

function read(): Dashboard[] {
  if (cache) return cache;
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    cache = Array.isArray(v) ? (v as Dashboard[]) : [];
  } catch {
    cache = [];
  }
  return cache;
}

function write(next: Dashboard[]): void {
  cache = next;
  localStorage.setItem(KEY, JSON.stringify(next));
  for (const fn of listeners) fn();
}

if (typeof window !== 'undefined') {
  // Another tab changed the dashboards: drop the cache so this tab re-reads them.
  window.addEventListener('storage', (e) => {
    if (e.key !== KEY) return;
    cache = null;
    for (const fn of listeners) fn();
  });
}

/** useDashboards returns the saved dashboards and re-renders when they change. */
export function useDashboards(): Dashboard[] {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    read,
  );
}

/** addDashboard creates an empty dashboard and returns its id. */
export function addDashboard(name: string): string {
  const id = Math.random().toString(36).slice(2, 10);
  write([...read(), { id, name, charts: [] }]);
  return id;
}

/** renameDashboard changes a dashboard's name. */
export function renameDashboard(id: string, name: string): void {
  write(read().map((d) => (d.id === id ? { ...d, name } : d)));
}

/** removeDashboard deletes a dashboard. */
export function removeDashboard(id: string): void {
  write(read().filter((d) => d.id !== id));
}

/** pinChart adds a chart to a dashboard unless the same chart is already there. */
export function pinChart(id: string, chart: PinnedChart): void {
  const same = (c: PinnedChart) => c.cluster === chart.cluster && c.series === chart.series && c.member === chart.member;
  write(read().map((d) => (d.id === id && !d.charts.some(same) ? { ...d, charts: [...d.charts, chart] } : d)));
}

/** unpinChart removes the chart at an index of a dashboard. */
export function unpinChart(id: string, index: number): void {
  write(read().map((d) => (d.id === id ? { ...d, charts: d.charts.filter((_, i) => i !== index) } : d)));
}
