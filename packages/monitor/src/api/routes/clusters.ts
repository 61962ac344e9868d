import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '@etcd-monitor/core';
import { inspectCluster } from '@etcd-monitor/etcd';
import type { ApiDeps } from '../deps.ts';
import { clusterConfigView, clusterView, memberView } from '../views.ts';
import { connectionFor } from '../../cluster-monitor.ts';
import { clusterFields, jsonSchemaOf, readClusterBody } from '../../config.ts';
import { NameParams, NoContent, withErrors } from '../schemas/common.ts';
import { Cluster, ClusterConfig, ConnectionTest } from '../schemas/clusters.ts';
import { MemberDetail, MemberParams } from '../schemas/members.ts';

// The body schema is rendered from the same field specs the config file is read with, for the OpenAPI document only:
// Ajv would coerce a bare string into a list and a number into a duration string and stop at the first error, so the
// specs validate instead (every problem reported at once, the same rules as the TOML path).
const clusterBody = jsonSchemaOf(clusterFields, 'A cluster, with the keys of a [[clusters]] table in the config file (password is write-only).');
const bySpecs = { validatorCompiler: () => (data: unknown) => ({ value: data }) };

/** clusterRoutes serves cluster CRUD, overview, member detail and connection tests. */
export async function clusterRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/clusters',
    { schema: { summary: 'Every cluster with its health, findings and members', tags: ['clusters'], response: withErrors({ 200: Type.Array(Cluster) }) } },
    async () => deps.registry.list().map(clusterView),
  );

  app.get('/clusters/:name', { schema: { summary: 'One cluster', tags: ['clusters'], params: NameParams, response: withErrors({ 200: Cluster }) } }, async (req) =>
    clusterView(deps.registry.get(req.params.name)),
  );

  app.get(
    '/clusters/:name/config',
    {
      schema: {
        summary: "A cluster's configuration as written (TOML keys), without its password, for editing",
        tags: ['clusters'],
        params: NameParams,
        response: withErrors({ 200: ClusterConfig }),
      },
    },
    async (req) => clusterConfigView(deps.registry.definition(req.params.name)),
  );

  app.post(
    '/clusters',
    { ...bySpecs, schema: { summary: 'Add a cluster (persisted; password stored encrypted)', tags: ['clusters'], body: clusterBody, response: withErrors({ 201: Cluster }) } },
    async (req, reply) => {
      const snap = deps.registry.create(req.body);
      deps.audit('cluster.create', snap.name, req);
      return reply.status(201).send(clusterView({ ...snap, source: 'api' }));
    },
  );

  app.put(
    '/clusters/:name',
    {
      ...bySpecs,
      schema: {
        summary: 'Replace an API-created cluster (omit password to keep it)',
        tags: ['clusters'],
        params: NameParams,
        body: { ...clusterBody, required: ['endpoints'] },
        response: withErrors({ 200: Cluster }),
      },
    },
    async (req) => {
      const name = req.params.name;
      const snap = await deps.registry.replace(name, req.body);
      deps.audit('cluster.update', name, req);
      return clusterView({ ...snap, source: 'api' });
    },
  );

  app.delete(
    '/clusters/:name',
    { schema: { summary: 'Remove an API-created cluster (its history stays)', tags: ['clusters'], params: NameParams, response: withErrors({ 204: NoContent }) } },
    async (req, reply) => {
      const name = req.params.name;
      await deps.registry.remove(name);
      deps.audit('cluster.delete', name, req);
      return reply.status(204).send();
    },
  );

  app.get(
    '/clusters/:name/members/:member',
    {
      schema: { summary: 'One member: status, probes, derived metrics and its findings', tags: ['clusters'], params: MemberParams, response: withErrors({ 200: MemberDetail }) },
    },
    async (req) => {
      const { name, member } = req.params;
      const snap = deps.registry.get(name);
      const f = snap.members.find((m) => m.name === member || m.id === member || m.endpoint === member);
      if (!f)
        throw new AppError('MON_NOT_FOUND', `cluster "${name}" has no member "${member}"`, { hint: 'use the member name, hex id or endpoint from GET /api/v1/clusters/NAME' });
      const label = f.name || f.id || f.endpoint;
      return {
        cluster: name,
        ...memberView(f, snap.leader),
        findings: snap.health.findings.filter((x) => x.member === label),
        // Stored under the member id; older versions stored them under its name.
        series: [
          ...new Set(
            [f.id, ...(f.id ? deps.registry.members.aliases(name, f.id) : [])]
              .filter((k): k is string => Boolean(k))
              .flatMap((k) => deps.store.listSeries({ cluster: name, member: k }).map((s) => s.series)),
          ),
        ].sort(),
      };
    },
  );

  app.post(
    '/clusters/test',
    {
      ...bySpecs,
      config: { role: 'operator' },
      schema: {
        summary: 'Test a connection before adding a cluster: status and health per endpoint',
        tags: ['clusters'],
        body: clusterBody,
        response: withErrors({ 200: ConnectionTest }),
      },
    },
    async (req) => {
      const c = readClusterBody(req.body);
      return testView(await inspectCluster(connectionFor(c), { discover: false }));
    },
  );

  app.post(
    '/clusters/:name/test',
    {
      config: { role: 'operator' },
      schema: { summary: 'Test the connection of a configured cluster', tags: ['clusters'], params: NameParams, response: withErrors({ 200: ConnectionTest }) },
    },
    async (req) => {
      const c = deps.registry.config(req.params.name);
      return testView(await inspectCluster(connectionFor(c), { discover: false }));
    },
  );
}

function testView(v: Awaited<ReturnType<typeof inspectCluster>>) {
  return {
    verdict: v.verdict,
    reasons: v.reasons,
    endpoints: v.members.map((m) => ({
      endpoint: m.endpoint,
      ok: m.error === null,
      id: m.id,
      name: m.name,
      version: m.version,
      isLeader: m.isLeader,
      latencyMs: m.latencyMs,
      error: m.error,
      hint: m.hint,
    })),
  };
}
