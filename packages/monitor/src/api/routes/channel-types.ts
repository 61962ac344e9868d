import type { FastifyInstance } from 'fastify';
import { channelTypes } from '../../alerting/notify/index.ts';

const fieldSchema = {
  type: 'object',
  required: ['key', 'label', 'kind', 'doc', 'secret', 'required'],
  properties: {
    key: { type: 'string' },
    label: { type: 'string' },
    kind: { type: 'string', enum: ['string', 'integer', 'number', 'boolean', 'duration', 'size', 'strings', 'table'] },
    doc: { type: 'string' },
    secret: { type: 'boolean' },
    required: { type: 'boolean' },
    default: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }] },
    options: { type: 'array', items: { type: 'string' } },
    placeholder: { type: 'string' },
    hint: { type: 'string' },
    check: { type: 'string', enum: ['url', 'address', 'key'] },
    aliases: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** channelTypeRoutes serves the notification channel types and their keys, from which the UI builds its channel form. */
export async function channelTypeRoutes(app: FastifyInstance): Promise<void> {
  const types = channelTypes();
  app.get('/channel-types', {
    schema: {
      summary: 'Notification channel types and their keys: type, which are secret or required, defaults, form hints',
      tags: ['channels'],
      response: {
        200: { type: 'array', items: { type: 'object', required: ['type', 'label', 'doc', 'fields'], properties: { type: { type: 'string' }, label: { type: 'string' }, doc: { type: 'string' }, fields: { type: 'array', items: fieldSchema } } } },
      },
    },
  }, async () => types);
}
