import { Type, type Static } from 'typebox';
import { StringEnum } from './common.ts';

/** ChannelFieldView is one key of a channel type as `GET /api/v1/channel-types` lists it: enough to build and check its form. */
export const ChannelFieldView = Type.Object({
  key: Type.String({ description: 'the channel key, in the API body and the config file' }),
  label: Type.String({ description: 'names the key in a form' }),
  kind: StringEnum(['string', 'integer', 'number', 'boolean', 'duration', 'size', 'strings', 'table'], {
    description: 'durations are written like "5h" and read as milliseconds, strings is a list',
  }),
  doc: Type.String({ description: "the key's one-sentence description" }),
  secret: Type.Boolean({ description: 'the value is stored encrypted and never shown back' }),
  required: Type.Boolean({ description: 'a channel of this type must set the key' }),
  default: Type.Optional(
    Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.String())], {
      description: 'the value used when the key is left out, as written in the config file',
    }),
  ),
  options: Type.Optional(Type.Array(Type.String(), { description: 'the only accepted values, when restricted' })),
  placeholder: Type.Optional(Type.String()),
  hint: Type.Optional(Type.String()),
  check: Type.Optional(
    StringEnum(['url', 'address', 'key'], { description: 'the syntax the value must have: an absolute http(s) URL, a mail address, a PagerDuty integration key' }),
  ),
  aliases: Type.Optional(Type.Array(Type.String(), { description: 'other accepted names for the key' })),
});
export type ChannelFieldView = Static<typeof ChannelFieldView>;

/** ChannelTypeView is one notification channel type with its keys, in form order (`GET /api/v1/channel-types`). */
export const ChannelTypeView = Type.Object({
  type: Type.String({ description: "the channel's type value" }),
  label: Type.String(),
  doc: Type.String(),
  fields: Type.Array(ChannelFieldView, { description: "the type's keys besides name and type" }),
});
export type ChannelTypeView = Static<typeof ChannelTypeView>;
