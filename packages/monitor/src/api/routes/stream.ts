import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { clusterView } from '../views.ts';
import { requireCluster } from '../known-cluster.ts';

/** streamRoutes serves the live Server-Sent Events stream: `cluster` frames with the full cluster view, `event` frames with events. */
export async function streamRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/stream', {
    schema: {
      summary: 'Server-Sent Events: `event: cluster` (a cluster view, coalesced to 4/s) and `event: event` (each event as it happens)',
      tags: ['live'],
      querystring: { type: 'object', properties: { cluster: { type: 'string' } }, additionalProperties: false },
    },
  }, (req, reply) => {
    const cluster = (req.query as { cluster?: string }).cluster;
    // Before the stream starts: once hijacked, the answer is a 200 whatever follows.
    requireCluster(deps, cluster);
    reply.hijack();
    deps.live.add(reply.raw, cluster);
    // The current state first, so a client never waits for the next change to draw something.
    for (const s of deps.registry.list()) {
      if (cluster && s.name !== cluster) continue;
      reply.raw.write(`event: cluster\ndata: ${JSON.stringify(clusterView(s))}\n\n`);
    }
  });
}
