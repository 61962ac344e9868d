import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, errorMessage } from '@etcd-monitor/core';
import { defragOne, memberNotFound, refuseQuorumLoss, requirePastRevision, rollingDefrag, withMember, type DefragStep, type EtcdRpc, type Member } from '@etcd-monitor/etcd';
import { auditedBy } from '../audited.ts';
import type { ApiDeps } from '../deps.ts';
import { requireCluster } from '../known-cluster.ts';
import { NameParams, withErrors } from '../schemas/common.ts';
import {
  AlarmList,
  CompactBody,
  CompactResult,
  DefragBody,
  DefragResult,
  EndpointHashList,
  EndpointHealthList,
  EndpointQuery,
  EndpointStatusList,
  ForceQuery,
  MemberAddBody,
  MemberChange,
  MemberList,
  MemberParams,
  MemberUpdateBody,
  type MemberView,
  MoveLeaderBody,
  MoveLeaderResult,
  SnapshotQuery,
} from '../schemas/maintenance.ts';
import { connectionFor } from '../../cluster-monitor.ts';
import type { OpsClients } from '../../ops/clients.ts';
import { headerView } from '../../ops/kv.ts';

const hex = (id: string) => BigInt(id).toString(16);
const view = (m: Member): MemberView => ({ id: hex(m.ID), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner });

/** findMember resolves a member given by name or hex id in the member list, or throws ETCD_MEMBER_NOT_FOUND (404). */
function findMember(members: Member[], which: string): Member {
  const byName = members.find((m) => m.name === which);
  if (byName) return byName;
  if (/^[0-9a-fA-F]{1,16}$/.test(which)) {
    const id = BigInt(`0x${which}`).toString(10);
    const byId = members.find((m) => m.ID === id);
    if (byId) return byId;
    throw memberNotFound(id);
  }
  throw new AppError('ETCD_MEMBER_NOT_FOUND', `no member is named ${which.slice(0, 100)}`, { hint: 'list the members for their names and ids' });
}

function clientUrl(m: Member): string {
  const url = m.clientURLs[0];
  if (!url) throw new AppError('ETCD_MEMBER_NOT_STARTED', `member ${hex(m.ID)} has not started yet: it has no client URL`);
  return url;
}

/**
 * maintenanceRoutes serve the guard-railed operations of `etcd-monitor ctl` over the API: defragmentation (one member or
 * rolling), compaction, snapshot download, alarms, leadership transfer (operator), and member add/remove/promote (admin).
 * Every call is audited with the command as etcdctl spells it and its result, refusals included.
 */
export async function maintenanceRoutes(fastify: FastifyInstance, deps: ApiDeps, ops: OpsClients): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const audited = auditedBy(deps);
  const cluster = (name: string) => {
    requireCluster(deps, name);
    return name;
  };
  const conn = (name: string) => connectionFor(deps.registry.config(name));
  const members = async (name: string) => (await ops.read(name, (rpc) => rpc.memberList())).members;

  app.post(
    '/clusters/:name/maintenance/defrag',
    {
      config: { role: 'operator' },
      schema: {
        summary:
          'Defragment one member, or the whole cluster rolling: followers first and the leader last, each healthy again before the next; refused while degraded unless force',
        tags: ['maintenance'],
        params: NameParams,
        body: DefragBody,
        response: withErrors({ 200: DefragResult }),
      },
    },
    async (req, reply) => {
      const name = cluster(req.params.name);
      const b = req.body;
      const command = `etcdctl defrag${b.member ? ` --endpoints=${b.member}` : ' --cluster'}${b.force ? ' --force' : ''}`;
      // Asked for NDJSON, a rolling defragmentation reports each member as it is done ({"step":…}), then {"result":…}
      // or {"error":…}: the console shows the progress of a run that may take minutes.
      const stream = !b.member && /application\/x-ndjson/.test(req.headers.accept ?? '');
      const line = (o: object) => reply.raw.write(`${JSON.stringify(o)}\n`);
      if (stream) {
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      }
      const run = audited(req, 'maintenance.defrag', b.member ?? name, name, command, async () => {
        const list = await members(name);
        const c = conn(name);
        if (b.member) {
          const m = findMember(list, b.member);
          await defragOne(clientUrl(m), c);
          return { members: [{ name: m.name, id: hex(m.ID), endpoint: clientUrl(m), leader: false, ok: true }] };
        }
        const byUrl = new Map(list.map((m) => [clientUrl(m), m]));
        const stepView = (s: DefragStep) => ({
          name: s.ep,
          endpoint: s.url,
          leader: s.leader,
          ok: s.ok,
          ...(s.memberId ? { id: hex(s.memberId) } : {}),
          ...(s.error ? { error: s.error } : {}),
        });
        const steps = await rollingDefrag(
          [...byUrl.keys()].map((url) => ({ ep: byUrl.get(url)!.name || url, url })),
          c,
          { ...(b.force ? { force: true } : {}), ...(stream ? { onStep: (s: DefragStep) => line({ step: stepView(s) }) } : {}) },
        );
        return { members: steps.map(stepView) };
      });
      if (!stream) return run;
      try {
        line({ result: await run });
      } catch (err) {
        const e = err instanceof AppError ? err : undefined;
        line({ error: { code: e?.code ?? 'MON_INTERNAL', message: errorMessage(err), ...(e?.hint ? { hint: e.hint } : {}) } });
      }
      reply.raw.end();
      return reply;
    },
  );

  app.post(
    '/clusters/:name/maintenance/compact',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Compact the key history up to a past revision (a future or non-positive one is refused)',
        tags: ['maintenance'],
        params: NameParams,
        body: CompactBody,
        response: withErrors({ 200: CompactResult }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const b = req.body;
      return audited(req, 'maintenance.compact', b.revision, name, `etcdctl compaction${b.physical ? ' --physical' : ''} ${b.revision}`, async () => {
        const rpc = ops.get(name);
        const rev = BigInt(b.revision);
        const head = await requirePastRevision(rpc, rev);
        await rpc.compact(rev, { physical: b.physical ?? false, ...(b.physical ? { timeoutMs: Math.max(60_000, deps.registry.config(name).timeoutMs) } : {}) });
        return { revision: rev.toString(), currentRevision: head.toString() };
      });
    },
  );

  app.get(
    '/clusters/:name/maintenance/snapshot',
    {
      config: { role: 'operator' },
      schema: {
        summary:
          "Download a snapshot of one member's database (etcd's file, with its SHA-256 trailer); verified as it streams: the x-etcd-snapshot-sha256 trailer carries the digest, and a transfer that fails the check is cut off",
        tags: ['maintenance'],
        params: NameParams,
        querystring: SnapshotQuery,
        response: withErrors({ 200: { content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } } } }),
      },
    },
    async (req, reply) => {
      const name = cluster(req.params.name);
      const q = req.query;
      const target = q.member ? findMember(await members(name), q.member) : undefined;
      const command = `etcdctl snapshot save${target ? ` --endpoints=${clientUrl(target)}` : ''} snapshot.db`;
      const run = async (rpc: EtcdRpc) => {
        const chunks = rpc.client.snapshot();
        // The first chunk is awaited before answering, so a member that refuses is a 4xx/5xx rather than a broken download.
        const first = await chunks.next();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': `attachment; filename="${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.db"`,
          'cache-control': 'no-store',
          trailer: 'x-etcd-snapshot-sha256',
        });
        const hash = createHash('sha256');
        let tail = Buffer.alloc(0);
        let size = 0;
        const take = async (chunk: Buffer) => {
          size += chunk.length;
          const joined = Buffer.concat([tail, chunk]);
          hash.update(joined.subarray(0, Math.max(0, joined.length - 32)));
          tail = joined.subarray(Math.max(0, joined.length - 32));
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        };
        try {
          if (!first.done) await take(first.value);
          for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) await take(chunk);
        } catch (err) {
          res.destroy();
          throw err;
        }
        const digest = hash.digest();
        if (tail.length !== 32 || !digest.equals(tail)) {
          // Cut off: the client sees an incomplete transfer, never a file that looks whole.
          res.destroy();
          throw new AppError('ETCD_SNAPSHOT_CORRUPT', `snapshot failed verification: the SHA-256 trailer does not match the data (${size} bytes received)`);
        }
        res.addTrailers({ 'x-etcd-snapshot-sha256': digest.toString('hex') });
        res.end();
        return { size, sha256: digest.toString('hex') };
      };
      await audited(req, 'maintenance.snapshot', target?.name ?? name, name, command, async () => {
        if (target) return withMember(clientUrl(target), conn(name), run);
        return run(ops.get(name));
      }).catch((err: unknown) => {
        if (reply.sent || reply.raw.headersSent) return;
        throw err;
      });
    },
  );

  app.get(
    '/clusters/:name/maintenance/alarms',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'The raised alarms (NOSPACE, CORRUPT) per member. Each call is a raft proposal in etcd 3.4: ask when needed, do not poll',
        tags: ['maintenance'],
        params: NameParams,
        response: withErrors({ 200: AlarmList }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const r = await ops.read(name, (rpc) => rpc.alarmList());
      return { alarms: r.alarms.map((a) => ({ memberId: hex(a.memberID), alarm: a.alarm.toUpperCase() })) };
    },
  );

  app.delete(
    '/clusters/:name/maintenance/alarms',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Disarm every raised alarm (etcdctl alarm disarm); answers the alarms that were cleared',
        tags: ['maintenance'],
        params: NameParams,
        response: withErrors({ 200: AlarmList }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      return audited(req, 'maintenance.alarm-disarm', name, name, 'etcdctl alarm disarm', async () => {
        const rpc = ops.get(name);
        const cleared: AlarmList['alarms'] = [];
        for (const a of (await rpc.alarmList()).alarms) {
          for (const d of (await rpc.alarmDisarm(a)).alarms) cleared.push({ memberId: hex(d.memberID), alarm: d.alarm.toUpperCase() });
        }
        return { alarms: cleared };
      });
    },
  );

  app.post(
    '/clusters/:name/maintenance/move-leader',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Hand leadership to another voting member',
        tags: ['maintenance'],
        params: NameParams,
        body: MoveLeaderBody,
        response: withErrors({ 200: MoveLeaderResult }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const which = req.body.member;
      return audited(req, 'maintenance.move-leader', which, name, `etcdctl move-leader ${which}`, async () => {
        const list = await members(name);
        const to = findMember(list, which);
        const c = conn(name);
        const st = await ops.read(name, (rpc) => rpc.status());
        const leader = list.find((m) => m.ID === st.leader);
        if (!leader) throw new AppError('ETCD_NO_LEADER', 'no leader is known: quorum is lost or an election is under way');
        const r = await withMember(clientUrl(leader), c, (rpc) => rpc.moveLeader(to.ID));
        return { from: hex(leader.ID), to: hex(to.ID), ...(r.header ? { header: headerView(r.header) } : {}) };
      });
    },
  );

  app.post(
    '/clusters/:name/members',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Add a member (a learner with learner=true); start it afterwards with ETCD_INITIAL_CLUSTER_STATE=existing',
        tags: ['members'],
        params: NameParams,
        body: MemberAddBody,
        response: withErrors({ 200: MemberChange }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const b = req.body;
      const urls = b.peerURLs.join(',');
      return audited(req, 'member.add', urls, name, `etcdctl member add${b.learner ? ' --learner' : ''} --peer-urls=${urls}`, async () => {
        const r = await ops.get(name).memberAdd(b.peerURLs, { isLearner: b.learner ?? false });
        return { ...(r.member ? { member: view(r.member) } : {}), members: r.members.map(view), header: headerView(r.header) };
      });
    },
  );

  app.delete(
    '/clusters/:name/members/:member',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Remove a member; refused when the healthy voting members left would not be a quorum, unless force',
        tags: ['members'],
        params: MemberParams,
        querystring: ForceQuery,
        response: withErrors({ 200: MemberChange }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const which = req.params.member;
      return audited(req, 'member.remove', which, name, `etcdctl member remove ${which}${req.query.force ? ' --force' : ''}`, async () => {
        const m = findMember(await members(name), which);
        const rpc = ops.get(name);
        if (!req.query.force) await refuseQuorumLoss(rpc, m.ID, conn(name));
        const r = await rpc.memberRemove(m.ID);
        return { member: view(m), members: r.members.map(view), header: headerView(r.header) };
      });
    },
  );

  app.post(
    '/clusters/:name/members/:member/promote',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Promote a learner that has caught up to a voting member',
        tags: ['members'],
        params: MemberParams,
        response: withErrors({ 200: MemberChange }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const which = req.params.member;
      return audited(req, 'member.promote', which, name, `etcdctl member promote ${which}`, async () => {
        const m = findMember(await members(name), which);
        const r = await ops.get(name).memberPromote(m.ID);
        return { member: view({ ...m, isLearner: false }), members: r.members.map(view), header: headerView(r.header) };
      });
    },
  );

  app.get(
    '/clusters/:name/members',
    {
      schema: {
        summary: "etcd's member list (etcdctl member list), with the header of the member that answered",
        tags: ['members'],
        params: NameParams,
        response: withErrors({ 200: MemberList }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const r = await ops.read(name, (rpc) => rpc.memberList());
      return { header: headerView(r.header), members: r.members.map(view) };
    },
  );

  app.put(
    '/clusters/:name/members/:member',
    {
      config: { role: 'admin' },
      schema: {
        summary: "Replace a member's peer URLs (etcdctl member update)",
        tags: ['members'],
        params: MemberParams,
        body: MemberUpdateBody,
        response: withErrors({ 200: MemberChange }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const which = req.params.member;
      const urls = req.body.peerURLs;
      return audited(req, 'member.update', which, name, `etcdctl member update ${which} --peer-urls=${urls.join(',')}`, async () => {
        const m = findMember(await members(name), which);
        const r = await ops.get(name).memberUpdate(m.ID, urls);
        return { member: view({ ...m, peerURLs: urls }), members: r.members.map(view), header: headerView(r.header) };
      });
    },
  );

  /** targets are the endpoints a per-endpoint read goes to: the configured ones, or (cluster) every member's client URLs. */
  const targets = async (name: string, all: boolean | undefined) => (all ? (await members(name)).flatMap((m) => m.clientURLs) : deps.registry.config(name).endpoints);

  app.get(
    '/clusters/:name/endpoints/status',
    {
      schema: {
        summary: "Each endpoint's status (etcdctl endpoint status): read-only, answered from the member's own state",
        tags: ['maintenance'],
        params: NameParams,
        querystring: EndpointQuery,
        response: withErrors({ 200: EndpointStatusList }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const c = conn(name);
      const eps = await targets(name, req.query.cluster);
      return {
        endpoints: await Promise.all(
          eps.map(async (endpoint) => {
            try {
              const s = await withMember(endpoint, c, (rpc) => rpc.status());
              const { header, version, dbSize, dbSizeInUse, leader, raftIndex, raftTerm, raftAppliedIndex, errors, isLearner } = s;
              return {
                endpoint,
                status: { header: headerView(header), version, dbSize, dbSizeInUse, leader, raftIndex, raftTerm, raftAppliedIndex, errors, isLearner },
              };
            } catch (err) {
              return { endpoint, error: errorMessage(err).replace(`${endpoint}: `, '') };
            }
          }),
        ),
      };
    },
  );

  app.get(
    '/clusters/:name/endpoints/health',
    {
      schema: {
        summary:
          "Each endpoint's health without writing to the cluster: a serializable read through the member, then its status (a leader known, no alarm raised); etcdctl's linearizable read and Alarm call are not made",
        tags: ['maintenance'],
        params: NameParams,
        querystring: EndpointQuery,
        response: withErrors({ 200: EndpointHealthList }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const c = conn(name);
      const eps = await targets(name, req.query.cluster);
      return { endpoints: await Promise.all(eps.map((endpoint) => endpointHealth(endpoint, c))) };
    },
  );

  app.get(
    '/clusters/:name/endpoints/hashkv',
    {
      config: { role: 'operator' },
      schema: {
        summary: "Each endpoint's hash of its key-value store (etcdctl endpoint hashkv): read-only, but it reads the member's whole history",
        tags: ['maintenance'],
        params: NameParams,
        querystring: EndpointQuery,
        response: withErrors({ 200: EndpointHashList }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const c = conn(name);
      const eps = await targets(name, req.query.cluster);
      const rev = req.query.revision ?? '0';
      const out: EndpointHashList['endpoints'] = [];
      // One member at a time, as etcdctl does: each hash reads the member's whole store.
      for (const endpoint of eps) {
        try {
          const h = await withMember(endpoint, c, (rpc) => rpc.hashKV(rev));
          out.push({ endpoint, hashKV: { header: headerView(h.header), hash: h.hash, compactRevision: h.compact_revision } });
        } catch (err) {
          out.push({ endpoint, error: errorMessage(err).replace(`${endpoint}: `, '') });
        }
      }
      return { endpoints: out };
    },
  );
}

/**
 * endpointHealth is `endpoint health` for one member, without a write: a serializable read of "health" (permission
 * denied counts as healthy, as in etcdctl), then the member's status: unhealthy when it knows no leader or reports an
 * alarm. etcdctl 3.4 makes a linearizable read and an Alarm call instead, and its Alarm call is a raft proposal.
 */
async function endpointHealth(endpoint: string, c: ReturnType<typeof connectionFor>): Promise<EndpointHealthList['endpoints'][number]> {
  const start = performance.now();
  const took = () => Math.round((performance.now() - start) * 1000) / 1000;
  try {
    const st = await withMember(endpoint, c, async (rpc) => {
      await rpc.range('health', { serializable: true }).catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'ETCD_PERMISSION_DENIED')) throw err;
      });
      return rpc.status();
    });
    const alarms = st.errors.flatMap((e) => /alarm:(\w+)/.exec(e)?.[1] ?? []);
    if (alarms.length > 0) return { endpoint, health: false, tookMs: took(), error: `Active Alarm(s): ${alarms.map((a) => `${a.toUpperCase()} `).join('')}` };
    if (st.leader === '0') return { endpoint, health: false, tookMs: took(), error: 'etcdserver: no leader' };
    const other = st.errors.filter((e) => !/alarm:/.test(e));
    if (other.length > 0) return { endpoint, health: false, tookMs: took(), error: other.join(', ') };
    return { endpoint, health: true, tookMs: took() };
  } catch (err) {
    return { endpoint, health: false, tookMs: took(), error: errorMessage(err).replace(`${endpoint}: `, '') };
  }
}
