import { randomUUID } from 'node:crypto';
import type { Notification } from '../types.ts';

/** testNotification builds the "send test notification" message for a channel: one info alert, marked test. */
export function testNotification(channel: string, o: { externalUrl?: string; now?: number } = {}): Notification {
  const now = o.now ?? Date.now();
  const id = `test-${randomUUID()}`;
  const labels = { alertname: 'EtcdMonitorTestNotification', severity: 'info', channel };
  return {
    id,
    channel,
    // Its own group, so a test never queues behind (or ahead of) real notifications of the channel.
    groupKey: `test:${id}`,
    status: 'firing',
    alerts: [
      {
        fingerprint: id,
        labels,
        annotations: { summary: `Test notification for channel "${channel}"`, description: 'Sent from etcd-monitor to check this channel works; no alert is firing.' },
        state: 'firing',
        activeAt: now,
        startsAt: now,
      },
    ],
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    externalUrl: o.externalUrl ?? '',
    createdAt: now,
    test: true,
  };
}
