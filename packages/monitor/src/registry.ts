import { AppError, type ConfigIssue } from '@etcd-monitor/core';
import { readClusterConfig, readClusterBody, configError, type ClusterConfig } from './config.ts';
import { ClusterMonitor, type ClusterMonitorDeps, type ClusterSnapshot } from './cluster-monitor.ts';
import type { SecretBox } from './secrets.ts';
import type { Store } from './storage/types.ts';
import { memberKeys, type MemberKeys } from './member-keys.ts';

/** ClusterSource tells where a cluster was defined: the config file (read-only through the API) or the API. */
export type ClusterSource = 'config' | 'api';

/** ClusterDefinition is how a cluster is defined: its checked configuration, the table as written, and where. */
export interface ClusterDefinition {
  /** config is the checked configuration the cluster runs with (password included). */
  config: ClusterConfig;
  /** raw is the table as the API received it (password included); `{}` for a cluster of the config file. */
  raw: Readonly<Record<string, unknown>>;
  /** source is where the cluster is defined. */
  source: ClusterSource;
}

interface Entry {
  source: ClusterSource;
  raw: Record<string, unknown>;
  monitor: ClusterMonitor;
}

const DOC_KIND = 'cluster';

/**
 * ClusterRegistry owns the running ClusterMonitors: clusters from the config file, and clusters created through the
 * API, which are persisted in the store (passwords sealed) and come back on restart.
 */
export class ClusterRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly store: Store;
  private readonly secrets: SecretBox;
  private readonly deps: ClusterMonitorDeps;
  /** members maps between the member ids series are stored under and member names, over the running clusters. */
  readonly members: MemberKeys = memberKeys((cluster) => this.entries.get(cluster)?.monitor.snapshot().members ?? []);

  constructor(o: { store: Store; secrets: SecretBox; deps: ClusterMonitorDeps }) {
    this.store = o.store;
    this.secrets = o.secrets;
    // A cluster configured twice (two names, one etcd cluster id) is reported on both, naming the other.
    this.deps = { ...o.deps, sameClusterAs: (name, clusterId) => this.namesOf(clusterId).filter((n) => n !== name) };
  }

  /** namesOf lists the configured clusters whose members last reported this etcd cluster id. */
  namesOf(clusterId: string): string[] {
    return [...this.entries]
      .filter(([, e]) => (e.monitor.snapshot().clusterId ?? null) === clusterId)
      .map(([n]) => n)
      .sort();
  }

  /** load starts the config file's clusters, then the API-created ones saved in the store. */
  load(fromConfig: ClusterConfig[]): void {
    for (const c of fromConfig) this.run(c, 'config', {});
    for (const { key, doc } of this.store.listDocs(DOC_KIND)) {
      if (this.entries.has(key)) continue;
      const raw = this.unseal(doc as Record<string, unknown>);
      const issues: ConfigIssue[] = [];
      const c = readClusterConfig(raw, `stored cluster ${key}`, issues);
      if (c) this.run(c, 'api', raw);
      else this.deps.onError?.(configError(issues, `stored cluster ${key}`));
    }
  }

  /** has tells whether a cluster of that name is configured. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** list returns every cluster's snapshot with where it was defined. */
  list(): Array<ClusterSnapshot & { source: ClusterSource }> {
    return [...this.entries.values()].map((e) => ({ ...e.monitor.snapshot(), source: e.source }));
  }

  /** get returns one cluster's snapshot, or throws MON_NOT_FOUND. */
  get(name: string): ClusterSnapshot & { source: ClusterSource } {
    const e = this.entries.get(name);
    if (!e) throw notFound(name);
    return { ...e.monitor.snapshot(), source: e.source };
  }

  /** definition returns how a cluster is defined: its checked configuration, the table as written (API clusters; `{}` for the config file's) and where. */
  definition(name: string): ClusterDefinition {
    const e = this.entries.get(name);
    if (!e) throw notFound(name);
    return { config: e.monitor.config, raw: e.raw, source: e.source };
  }

  /** sourceOf tells where a cluster was defined. */
  sourceOf(name: string): ClusterSource {
    return this.entries.get(name)?.source ?? 'api';
  }

  /** config returns a cluster's configuration (with its password), for testing a connection. */
  config(name: string): ClusterConfig {
    const e = this.entries.get(name);
    if (!e) throw notFound(name);
    return e.monitor.config;
  }

  /** create validates and starts a cluster from an API body and persists it; it fails with MON_CLUSTER_EXISTS on a taken name. */
  create(body: unknown): ClusterSnapshot {
    const c = readClusterBody(body);
    if (this.entries.has(c.name))
      throw new AppError('MON_CLUSTER_EXISTS', `cluster "${c.name}" already exists`, { field: 'name', hint: 'choose another name, or PUT /api/v1/clusters/NAME to change it' });
    this.persist(c.name, body as Record<string, unknown>);
    return this.run(c, 'api', body as Record<string, unknown>).snapshot();
  }

  /** replace swaps an API-created cluster's configuration; a kept-out password keeps the stored one. */
  async replace(name: string, body: unknown): Promise<ClusterSnapshot> {
    const e = this.entries.get(name);
    if (!e) throw notFound(name);
    if (e.source === 'config') throw readOnly(name);
    const raw: Record<string, unknown> = { ...(body as Record<string, unknown>), name };
    if (raw.password === undefined && e.raw.password !== undefined && raw.user === e.raw.user) raw.password = e.raw.password;
    const c = readClusterBody(raw);
    this.persist(name, raw);
    await e.monitor.stop();
    this.entries.delete(name);
    return this.run(c, 'api', raw).snapshot();
  }

  /** remove stops and forgets an API-created cluster; its history stays in the store. */
  async remove(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) throw notFound(name);
    if (e.source === 'config') throw readOnly(name);
    this.entries.delete(name);
    this.store.deleteDoc(DOC_KIND, name);
    await e.monitor.stop();
    this.deps.onRemoved?.(name);
  }

  /** stop stops every cluster monitor. */
  async stop(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.monitor.stop()));
    this.entries.clear();
  }

  private run(c: ClusterConfig, source: ClusterSource, raw: Record<string, unknown>): ClusterMonitor {
    const monitor = new ClusterMonitor(c, this.deps);
    this.entries.set(c.name, { source, raw, monitor });
    monitor.start();
    return monitor;
  }

  private persist(name: string, raw: Record<string, unknown>): void {
    const doc = { ...raw };
    if (typeof doc.password === 'string') doc.password = this.secrets.seal(doc.password);
    this.store.putDoc(DOC_KIND, name, doc);
  }

  private unseal(doc: Record<string, unknown>): Record<string, unknown> {
    return typeof doc.password === 'string' ? { ...doc, password: this.secrets.open(doc.password) } : doc;
  }
}

function notFound(name: string): AppError {
  return new AppError('MON_NOT_FOUND', `no cluster named "${name}"`, { hint: 'GET /api/v1/clusters lists the clusters' });
}

function readOnly(name: string): AppError {
  return new AppError('MON_CLUSTER_READONLY', `cluster "${name}" is defined in the config file`, { hint: 'change it in the config file and restart the monitor' });
}
