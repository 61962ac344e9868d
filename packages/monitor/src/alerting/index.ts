export * from './rules/index.ts';
export * from './engine/index.ts';
export * from './dispatch/index.ts';
export { notifiers, channelTypes, defineNotifier, validateChannel, validateChannels, parseChannel, createSender, type ChannelConfig } from './notify/index.ts';
export { openOutbox, startDelivery } from './delivery/index.ts';
export { AlertingService } from './service.ts';
export { readAlertingConfig, type AlertingConfig } from './config.ts';
export type { Alert, Notification, SendResult, AlertSeverity, AlertState } from './types.ts';
