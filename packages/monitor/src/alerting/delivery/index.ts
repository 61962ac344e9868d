export { openOutbox, type Outbox, type OutboxOptions, type OutboxEntry, type DeliveryAttempt, type AttemptOutcome, type EntryState, type DueEntry } from './outbox.ts';
export { startDelivery, backoffDelay, type Delivery, type DeliveryOptions, type DeliveryResult } from './delivery.ts';
export { createTokenBucket, type TokenBucket } from './token-bucket.ts';
export { testNotification } from './test-notification.ts';
