import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@etcd-monitor/core';
import { auditedBy } from '../audited.ts';
import type { ApiDeps } from '../deps.ts';
import { requireCluster } from '../known-cluster.ts';
import { NameParams, withErrors } from '../schemas/common.ts';
import { LeaseGrantBody, LeaseInfo, LeaseInfoQuery, LeaseList, LeaseParams, LeaseRevoked, LeaseView } from '../schemas/leases.ts';
import type { OpsClients } from '../../ops/clients.ts';
import { headerView } from '../../ops/kv.ts';

const hex = (id: string) => BigInt(id).toString(16).padStart(16, '0');

/** leaseGone is the 404 for a lease that expired, was revoked or never existed (etcd answers TTL -1 or 0, or "lease not found"). */
function leaseGone(id: string): AppError {
  return new AppError('ETCD_LEASE_NOT_FOUND', `lease ${hex(id)} (${id}) has expired or was revoked, or never existed`, {
    hint: 'grant a new lease; GET leases lists the live ones',
  });
}

const orGone = (id: string) => (err: unknown) => {
  throw err instanceof AppError && err.code === 'ETCD_LEASE_NOT_FOUND' ? leaseGone(id) : err;
};

/**
 * leaseRoutes serve etcdctl's `lease` commands: grant, revoke and keep-alive once (operator, audited with the command
 * as etcdctl spells it, lease ids in hex), timetolive (with the attached keys) and list. A lease that has expired,
 * was revoked or never existed is 404 ETCD_LEASE_NOT_FOUND on every route.
 */
export async function leaseRoutes(fastify: FastifyInstance, deps: ApiDeps, ops: OpsClients): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const audited = auditedBy(deps);
  const cluster = (name: string) => {
    requireCluster(deps, name);
    return name;
  };

  app.get(
    '/clusters/:name/leases',
    { schema: { summary: 'Every live lease (etcdctl lease list)', tags: ['leases'], params: NameParams, response: withErrors({ 200: LeaseList }) } },
    async (req) => {
      const r = await ops.read(cluster(req.params.name), (rpc) => rpc.leaseLeases());
      return { leases: r.leases.map((l) => ({ id: l.ID, hex: hex(l.ID) })), revision: r.header.revision, header: headerView(r.header) };
    },
  );

  app.post(
    '/clusters/:name/leases',
    {
      config: { role: 'operator' },
      schema: { summary: 'Grant a lease (etcdctl lease grant TTL)', tags: ['leases'], params: NameParams, body: LeaseGrantBody, response: withErrors({ 200: LeaseView }) },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const b = req.body;
      return audited(req, 'lease.grant', b.id ?? String(b.ttl), name, `etcdctl lease grant ${b.ttl}`, async () => {
        const r = await ops.get(name).leaseGrant(b.ttl, b.id ? { id: b.id } : {});
        return { id: r.ID, hex: hex(r.ID), ttl: Number(r.TTL), revision: r.header.revision, header: headerView(r.header) };
      });
    },
  );

  app.get(
    '/clusters/:name/leases/:lease',
    {
      schema: {
        summary: "A lease's time to live, and with keys=true the keys attached to it (etcdctl lease timetolive [--keys]); 404 once it has expired",
        tags: ['leases'],
        params: LeaseParams,
        querystring: LeaseInfoQuery,
        response: withErrors({ 200: LeaseInfo }),
      },
    },
    async (req) => {
      const id = req.params.lease;
      const keys = req.query.keys ?? false;
      const r = await ops.read(cluster(req.params.name), (rpc) => rpc.leaseTimeToLive(id, { keys }));
      // etcd answers a lease it does not know with TTL -1 rather than an error.
      if (r.TTL === '-1') throw leaseGone(id);
      return {
        id: r.ID,
        hex: hex(r.ID),
        ttl: Number(r.TTL),
        grantedTtl: Number(r.grantedTTL),
        ...(keys ? { keys: r.keys.map((k) => ({ key: k.toString('utf8'), keyBase64: k.toString('base64') })) } : {}),
        revision: r.header.revision,
        header: headerView(r.header),
      };
    },
  );

  app.delete(
    '/clusters/:name/leases/:lease',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Revoke a lease: it ends now and every key attached to it is deleted (etcdctl lease revoke)',
        tags: ['leases'],
        params: LeaseParams,
        response: withErrors({ 200: LeaseRevoked }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const id = req.params.lease;
      return audited(req, 'lease.revoke', id, name, `etcdctl lease revoke ${hex(id)}`, async () => {
        const r = await ops.get(name).leaseRevoke(id).catch(orGone(id));
        return { id, hex: hex(id), revision: r.header.revision, header: headerView(r.header) };
      });
    },
  );

  app.post(
    '/clusters/:name/leases/:lease/keep-alive',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Renew a lease once: its TTL starts again from the granted one (etcdctl lease keep-alive --once)',
        tags: ['leases'],
        params: LeaseParams,
        response: withErrors({ 200: LeaseView }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const id = req.params.lease;
      return audited(req, 'lease.keep-alive', id, name, `etcdctl lease keep-alive --once ${hex(id)}`, async () => {
        const timeoutMs = deps.registry.config(name).timeoutMs;
        for await (const r of ops.get(name).leaseKeepAlive(id, { timeoutMs })) {
          // A keep-alive of a lease etcd no longer has answers TTL 0.
          if (r.TTL === '0') throw leaseGone(id);
          return { id, hex: hex(id), ttl: Number(r.TTL), revision: r.header.revision, header: headerView(r.header) };
        }
        throw new AppError('ETCD_CALL_FAILED', `lease ${hex(id)}: the keep-alive stream ended without an answer`);
      });
    },
  );
}
