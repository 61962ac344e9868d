import { Type, type Static } from 'typebox';
import { StringEnum } from './common.ts';

/** MonitorEvent is one entry of `GET /api/v1/events` and of the SSE `event` frame. */
export const MonitorEvent = Type.Object({
  time: Type.String({ description: 'ISO 8601' }),
  cluster: Type.String(),
  type: Type.String({ description: 'leader_changed, member_down, …' }),
  member: Type.Optional(Type.String()),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type MonitorEvent = Static<typeof MonitorEvent>;

/** eventsQuery is the query of `GET /api/v1/events`, its `type` taking the given event types. */
export const eventsQuery = (eventTypes: readonly string[]) =>
  Type.Object(
    {
      cluster: Type.Optional(Type.String()),
      member: Type.Optional(Type.String()),
      type: Type.Optional(Type.Array(Type.String({ enum: [...eventTypes] }), { description: 'repeat or comma-separate to filter by several types' })),
      since: Type.Optional(Type.String({ description: 'ISO 8601 time, ms since the epoch, or a duration back from now such as 1h' })),
      until: Type.Optional(Type.String()),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
      format: Type.Optional(StringEnum(['json', 'csv'], { default: 'json' })),
    },
    { additionalProperties: false },
  );
