export type { ChannelTypeView, ChannelFieldView } from '@etcd-monitor/monitor/contract';

/** Channel is one channel of `GET /api/v1/channels`: its settings (defaults applied) and its secret keys shown as `[redacted]`. */
export interface Channel {
  name: string;
  type: string;
  source: 'config' | 'api';
  pending: number;
  config?: Record<string, unknown>;
  secrets?: Record<string, string>;
  [key: string]: unknown;
}

/** DeliveryAttempt is one send of a notification (also what `POST /channels/NAME/test` answers). */
export interface DeliveryAttempt {
  notificationId: string;
  channel: string;
  groupKey: string;
  attempt: number;
  at: number;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'permanent' | 'expired';
  status?: number;
  error?: string;
}

/** OutboxEntry is one notification's delivery state. */
export interface OutboxEntry {
  seq: number;
  id: string;
  channel: string;
  groupKey: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  enqueuedAt: number;
  [key: string]: unknown;
}

/** Notifications is `GET /api/v1/notifications`: the delivery log. */
export interface Notifications {
  counts: Record<'pending' | 'delivered' | 'failed', number>;
  entries: OutboxEntry[];
  attempts: DeliveryAttempt[];
}
