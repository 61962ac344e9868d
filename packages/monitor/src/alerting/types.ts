export type { Alert, AlertSeverity, AlertState, Notification, SendResult } from '../model/alerts.ts';
