import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';
import { clusterView } from '../views.ts';
import { requireCluster } from '../known-cluster.ts';
import { withErrors } from '../schemas/common.ts';

/** streamRoutes serves the live Server-Sent Events stream: `cluster` frames with the full cluster view, `event` frames with events. */
export async function streamRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/stream',
    {
      schema: {
        summary: 'Server-Sent Events: `event: cluster` (a cluster view, coalesced to 4/s) and `event: event` (each event as it happens)',
        tags: ['live'],
        querystring: Type.Object({ cluster: Type.Optional(Type.String()) }, { additionalProperties: false }),
        // Written to the socket, not serialized: the schema documents the frames.
        response: withErrors({
          200: { content: { 'text/event-stream': { schema: Type.String({ description: 'event: cluster (data: a Cluster) and event: event (data: a MonitorEvent) frames' }) } } },
        }),
      },
    },
    (req, reply) => {
      const cluster = req.query.cluster;
      // Before the stream starts: once hijacked, the answer is a 200 whatever follows.
      requireCluster(deps, cluster);
      reply.hijack();
      deps.live.add(reply.raw, cluster);
      // The current state first, so a client never waits for the next change to draw something.
      for (const s of deps.registry.list()) {
        if (cluster && s.name !== cluster) continue;
        reply.raw.write(`event: cluster\ndata: ${JSON.stringify(clusterView(s))}\n\n`);
      }
    },
  );
}
