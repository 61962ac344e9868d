// The engine stage: alert lifecycle per fingerprint, templated annotations, alert history.
export { AlertEngine, type AlertEngineOptions, type RuleStatus } from './engine.ts';
export { fingerprint } from './fingerprint.ts';
export { MemoryAlertHistory, type AlertHistory, type AlertHistoryQuery } from './history.ts';
export { MemoryAlertStateStore, type ActiveAlertRecord, type AlertStateStore } from './state.ts';
