import { Type, type Static } from 'typebox';
import { StringEnum } from './common.ts';

/** Silence is one silence of `GET /api/v1/silences`: matchers as written (`name="value"`), times as ISO 8601. */
export const Silence = Type.Object({
  id: Type.String(),
  matchers: Type.Array(Type.String()),
  startsAt: Type.String(),
  endsAt: Type.String(),
  createdBy: Type.String(),
  comment: Type.String(),
  state: Type.Optional(StringEnum(['active', 'pending', 'expired'])),
  updatedAt: Type.String(),
});
export type Silence = Static<typeof Silence>;

/** SilenceBody is the body of `POST /api/v1/silences`: endsAt or duration, exactly one of them. */
export const SilenceBody = Type.Object({
  matchers: Type.Unknown({ description: 'label matchers as strings (name="value", name=~"regex", …) or {name, value, isRegex, isEqual} objects' }),
  startsAt: Type.Optional(Type.String()),
  endsAt: Type.Optional(Type.String()),
  duration: Type.Optional(Type.Unknown({ description: 'such as "2h"' })),
  createdBy: Type.String({ maxLength: 256 }),
  comment: Type.String({ maxLength: 4096 }),
});

/** SilenceParams is the `:id` of a silence. */
export const SilenceParams = Type.Object({ id: Type.String() });
