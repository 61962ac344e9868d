import { Type, type Static } from 'typebox';
import { StringEnum } from './common.ts';
import { DeliveryAttempt } from './channels.ts';

const EntryState = StringEnum(['pending', 'delivered', 'failed']);

/** OutboxEntry is one notification's delivery state (times in ms). */
export const OutboxEntry = Type.Object(
  {
    seq: Type.Number({ description: 'the enqueue order' }),
    id: Type.String(),
    channel: Type.String(),
    groupKey: Type.String(),
    state: EntryState,
    attempts: Type.Number(),
    enqueuedAt: Type.Number(),
    nextAt: Type.Number({ description: 'when the next attempt is due, for a pending entry' }),
    doneAt: Type.Optional(Type.Number()),
    lastError: Type.Optional(Type.String()),
    lastStatus: Type.Optional(Type.Number()),
  },
  { additionalProperties: true },
);
export type OutboxEntry = Static<typeof OutboxEntry>;

/** Notifications is `GET /api/v1/notifications`: the delivery log. */
export const Notifications = Type.Object({
  counts: Type.Object({ pending: Type.Number(), delivered: Type.Number(), failed: Type.Number() }),
  entries: Type.Array(OutboxEntry),
  attempts: Type.Array(DeliveryAttempt),
});
export type Notifications = Static<typeof Notifications>;

/** NotificationsQuery filters `GET /api/v1/notifications`. */
export const NotificationsQuery = Type.Object(
  { channel: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 200 })) },
  { additionalProperties: false },
);
