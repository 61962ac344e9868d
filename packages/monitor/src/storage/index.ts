export type {
  Agg,
  AuditEntry,
  AuditFilter,
  DocStore,
  EventStore,
  EventFilter,
  Point,
  Resolution,
  Retention,
  Sample,
  SeriesInfo,
  SeriesQuery,
  SeriesResult,
  SeriesStore,
  Store,
  StoreStats,
  StoredEvent,
} from './types.ts';
export { openSqliteStore, DEFAULT_RETENTION, type SqliteStoreOptions } from './sqlite-store.ts';
export { pickResolution, isQuantileSeries } from './resolution.ts';
