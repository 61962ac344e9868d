// The monitor's shared types, below everything else in the package: what a cluster and its members are (facts,
// snapshots, health findings), what happens to them (events, alerts), what is measured (series points) and how they
// are configured. Types only — no code — so any folder can import them without joining an import cycle.
export type { Alert, AlertHistoryQuery, AlertSeverity, AlertState, Notification, SendResult } from './alerts.ts';
export type { ClusterSnapshot, SampleInput } from './cluster.ts';
export type { AuthConfig, ClusterConfig, ServerConfig, StorageConfig } from './config.ts';
export type { ClusterEvent, EventState, EventType, StoredEvent } from './events.ts';
export type { ClusterHealth, Finding, HealthStatus, HealthThresholds, MemberObservation, Severity } from './health.ts';
export type { MemberFacts, PeerSeries } from './member.ts';
export type { Agg, Point, Resolution, Sample, SeriesInfo, SeriesQuery, SeriesResult } from './series.ts';
