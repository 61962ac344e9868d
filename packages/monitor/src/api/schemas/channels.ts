import { Type, type Static } from 'typebox';
import { StringEnum } from './common.ts';

/**
 * Channel is one channel of `GET /api/v1/channels`: its settings (defaults applied), secret keys shown as
 * `[redacted]`, where it is defined and how many notifications wait for it. Open: each channel type has its own keys.
 */
export const Channel = Type.Object(
  {
    name: Type.String(),
    type: Type.String(),
    source: StringEnum(['config', 'api']),
    pending: Type.Number(),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    secrets: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: true },
);
export type Channel = Static<typeof Channel>;

/** ChannelBody is the body of `PUT /api/v1/channels/NAME`: the type and the type's keys. */
export const ChannelBody = Type.Object({ type: Type.String() }, { additionalProperties: true });

/** DeliveryAttempt is one send of a notification (also what `POST /channels/NAME/test` answers). */
export const DeliveryAttempt = Type.Object({
  notificationId: Type.String(),
  channel: Type.String(),
  groupKey: Type.String(),
  attempt: Type.Number({ description: 'numbers the attempts of one notification from 1' }),
  at: Type.Number({ description: 'when it started (ms)' }),
  durationMs: Type.Number(),
  outcome: StringEnum(['delivered', 'retry', 'permanent', 'expired']),
  status: Type.Optional(Type.Number({ description: 'the HTTP status or SMTP reply code' })),
  error: Type.Optional(Type.String()),
});
export type DeliveryAttempt = Static<typeof DeliveryAttempt>;
