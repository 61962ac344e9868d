import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '@etcd-monitor/core';
import { defragOne, memberNotFound, refuseQuorumLoss, requirePastRevision, rollingDefrag, withMember, type EtcdRpc, type Member } from '@etcd-monitor/etcd';
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
  ForceQuery,
  MemberAddBody,
  MemberChange,
  MemberParams,
  type MemberView,
  MoveLeaderBody,
  MoveLeaderResult,
  SnapshotQuery,
} from '../schemas/maintenance.ts';
import { connectionFor } from '../../cluster-monitor.ts';
import type { OpsClients } from '../../ops/clients.ts';

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
    async (req) => {
      const name = cluster(req.params.name);
      const b = req.body;
      const command = `etcdctl defrag${b.member ? ` --endpoints=${b.member}` : ' --cluster'}${b.force ? ' --force' : ''}`;
      return audited(req, 'maintenance.defrag', b.member ?? name, name, command, async () => {
        const list = await members(name);
        const c = conn(name);
        if (b.member) {
          const m = findMember(list, b.member);
          await defragOne(clientUrl(m), c);
          return { members: [{ name: m.name, id: hex(m.ID), endpoint: clientUrl(m), leader: false, ok: true }] };
        }
        const byUrl = new Map(list.map((m) => [clientUrl(m), m]));
        const steps = await rollingDefrag(
          [...byUrl.keys()].map((url) => ({ ep: byUrl.get(url)!.name || url, url })),
          c,
          b.force ? { force: true } : {},
        );
        return {
          members: steps.map((s) => ({
            name: s.ep,
            endpoint: s.url,
            leader: s.leader,
            ok: s.ok,
            ...(s.memberId ? { id: hex(s.memberId) } : {}),
            ...(s.error ? { error: s.error } : {}),
          })),
        };
      });
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
        await withMember(clientUrl(leader), c, (rpc) => rpc.moveLeader(to.ID));
        return { from: hex(leader.ID), to: hex(to.ID) };
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
        return { ...(r.member ? { member: view(r.member) } : {}), members: r.members.map(view) };
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
        return { member: view(m), members: r.members.map(view) };
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
        return { member: view({ ...m, isLearner: false }), members: r.members.map(view) };
      });
    },
  );
}
