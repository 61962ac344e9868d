import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { channelTypes } from '../../alerting/notify/index.ts';
import { withErrors } from '../schemas/common.ts';
import { ChannelTypeView } from '../schemas/channel-types.ts';

/** channelTypeRoutes serves the notification channel types and their keys, from which the UI builds its channel form. */
export async function channelTypeRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const types = channelTypes();
  app.get(
    '/channel-types',
    {
      schema: {
        summary: 'Notification channel types and their keys: type, which are secret or required, defaults, form hints',
        tags: ['channels'],
        response: withErrors({ 200: Type.Array(ChannelTypeView) }),
      },
    },
    async () => types,
  );
}
