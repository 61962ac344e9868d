export { buildMonitor, createMonitor, splitHostPort, type MonitorLogger, type MonitorOptions, type MonitorService } from './service.ts';
export { loadConfig, parseConfig, readClusterConfig, serverFields, clusterFields, type MonitorConfig, type ClusterConfig, type ServerConfig } from './config.ts';
export { ClusterMonitor, connectionFor, type ClusterSnapshot, type SampleInput } from './cluster-monitor.ts';
export { evaluateHealth, type ClusterHealth, type Finding, type HealthStatus } from './health/health.ts';
export { EVENT_TYPES, type ClusterEvent, type EventType } from './events/detect.ts';
export { registerStatic } from './api/static.ts';
export { channelTypes } from './alerting/notify/index.ts';
export { MON_ERRORS } from './error-codes.ts';
