import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, errorMessage } from '@etcd-monitor/core';
import { auditedBy } from '../audited.ts';
import { bytesOf, requireKey, shellWord } from '../key-input.ts';
import { prefixRangeEnd, type EtcdRpc } from '@etcd-monitor/etcd';
import type { ApiDeps } from '../deps.ts';
import { requireCluster } from '../known-cluster.ts';
import { NameParams, withErrors } from '../schemas/common.ts';
import {
  AuditEntry,
  AuditQuery,
  CountsQuery,
  DeleteQuery,
  DeleteResult,
  FolderCounts,
  HistoryQuery,
  KeyDetail,
  KeyHistory,
  KeyPage,
  KeyQuery,
  LevelPage,
  LevelQuery,
  ListQuery,
  PrefixStats,
  PutBody,
  PutResult,
  StatsQuery,
  WatchQuery,
} from '../schemas/kv.ts';
import type { OpsClients } from '../../ops/clients.ts';
import { countPrefixes, headerView, keyHistory, keyView, LevelCache, listKeys, listLevel, prefixStats, rangeOf, type HeaderView } from '../../ops/kv.ts';

/** kvRoutes serves the key browser: keys by page and folder level, one key with its lease and history, prefix statistics, writes with compare-and-swap, deletes with a counted confirmation, watches, and the audit log. */
export async function kvRoutes(fastify: FastifyInstance, deps: ApiDeps, ops: OpsClients): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const cluster = (name: string) => {
    requireCluster(deps, name);
    return name;
  };
  const audited = auditedBy(deps);
  // What level listings found, per cluster name (entries name the cluster id and revision they hold for).
  const levels = new Map<string, LevelCache>();
  const levelCache = (name: string) => {
    let c = levels.get(name);
    if (!c) levels.set(name, (c = new LevelCache()));
    return c;
  };

  app.get(
    '/clusters/:name/kv',
    {
      schema: {
        summary: 'One page of the keys under a prefix, in key order (values with values=true)',
        tags: ['keys'],
        params: NameParams,
        querystring: ListQuery,
        response: withErrors({ 200: KeyPage }),
      },
    },
    async (req) => {
      const q = req.query;
      const prefix = bytesOf(q.prefix, q.prefixBase64, 'prefix', false) ?? Buffer.alloc(0);
      return ops.read(cluster(req.params.name), (rpc) => listKeys(rpc, { prefix, limit: q.limit ?? 100, values: q.values ?? false, ...(q.cursor ? { cursor: q.cursor } : {}) }));
    },
  );

  app.get(
    '/clusters/:name/kv/level',
    {
      schema: {
        summary: 'One page of a folder level: the sub-folders (each once) and keys directly under a prefix, split at a separator',
        tags: ['keys'],
        params: NameParams,
        querystring: LevelQuery,
        response: withErrors({ 200: LevelPage }),
      },
    },
    async (req) => {
      const q = req.query;
      const prefix = bytesOf(q.prefix, q.prefixBase64, 'prefix', false) ?? Buffer.alloc(0);
      const separator = Buffer.from(q.separator ?? '/', 'utf8');
      const name = cluster(req.params.name);
      return ops.read(name, (rpc) =>
        listLevel(rpc, { prefix, separator, limit: q.limit ?? 100, counts: q.counts ?? false, cache: levelCache(name), ...(q.cursor ? { cursor: q.cursor } : {}) }),
      );
    },
  );

  app.get(
    '/clusters/:name/kv/counts',
    {
      schema: {
        summary: "The number of keys under each of up to 100 folders, at a level page's revision: a level page's counts, asked for apart so the page itself stays quick",
        tags: ['keys'],
        params: NameParams,
        querystring: CountsQuery,
        response: withErrors({ 200: FolderCounts }),
      },
    },
    async (req) => {
      const q = req.query;
      const prefixes = q.prefixBase64.map((b, i) => bytesOf(undefined, b, `prefixBase64.${i}`, true)!);
      return ops.read(cluster(req.params.name), async (rpc) => {
        const r = await countPrefixes(rpc, prefixes, q.revision ?? '0');
        return { revision: r.revision, counts: r.counts.map((count, i) => ({ prefixBase64: q.prefixBase64[i]!, count })) };
      });
    },
  );

  app.get(
    '/clusters/:name/kv/key',
    { schema: { summary: 'One key with its value and lease', tags: ['keys'], params: NameParams, querystring: KeyQuery, response: withErrors({ 200: KeyDetail }) } },
    async (req) => {
      const key = requireKey(req.query);
      return ops.read(cluster(req.params.name), async (rpc) => {
        const r = await rpc.range(key);
        const kv = r.kvs[0];
        if (!kv) throw new AppError('MON_KV_NOT_FOUND', `key ${key.toString('utf8').slice(0, 200)} does not exist`, { field: 'key' });
        const out: { kv: ReturnType<typeof keyView>; revision: string; header: HeaderView; lease?: { id: string; ttl: number; grantedTtl: number } } = {
          kv: keyView(kv, true),
          revision: r.header.revision,
          header: headerView(r.header),
        };
        if (kv.lease !== '0') {
          const l = await rpc.leaseTimeToLive(kv.lease);
          out.lease = { id: kv.lease, ttl: Number(l.TTL), grantedTtl: Number(l.grantedTTL) };
        }
        return out;
      });
    },
  );

  app.get(
    '/clusters/:name/kv/history',
    {
      schema: {
        summary: "A key's versions, newest first, back to its creation or the compaction horizon",
        tags: ['keys'],
        params: NameParams,
        querystring: HistoryQuery,
        response: withErrors({ 200: KeyHistory }),
      },
    },
    async (req) => {
      const key = requireKey(req.query);
      return ops.read(cluster(req.params.name), (rpc) => keyHistory(rpc, key, req.query.limit ?? 20));
    },
  );

  app.get(
    '/clusters/:name/kv/stats',
    {
      schema: {
        summary: 'Keys and bytes per child prefix, largest first: what fills the database (one scan, page by page)',
        tags: ['keys'],
        params: NameParams,
        querystring: StatsQuery,
        response: withErrors({ 200: PrefixStats }),
      },
    },
    async (req) => {
      const q = req.query;
      const prefix = bytesOf(q.prefix, q.prefixBase64, 'prefix', false) ?? Buffer.alloc(0);
      const separator = Buffer.from(q.separator ?? '/', 'utf8');
      return ops.read(cluster(req.params.name), (rpc) => prefixStats(rpc, { prefix, separator, values: q.values ?? true, top: q.top ?? 100 }));
    },
  );

  app.put(
    '/clusters/:name/kv',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Write one key; with expectModRevision only if nobody changed it since (compare-and-swap), else 409 with the current key',
        tags: ['keys'],
        params: NameParams,
        body: PutBody,
        response: withErrors({ 200: PutResult }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const b = req.body;
      const key = requireKey(b);
      const value = bytesOf(b.value, b.valueBase64, 'value', true)!;
      const lease = b.lease && b.lease !== '0' ? ` --lease=${BigInt(b.lease).toString(16)}` : '';
      return audited(req, 'kv.put', key.toString('utf8'), name, `etcdctl put${lease} ${shellWord(key)}`, async () => {
        const rpc = ops.get(name);
        if (b.expectModRevision === undefined) {
          const r = await rpc.put(key, value, { ...(b.lease ? { lease: b.lease } : {}), prevKv: false });
          return { revision: r.header.revision, header: headerView(r.header), kv: await readBack(rpc, key) };
        }
        const t = await rpc.txn({
          compare: [{ key, target: 'MOD', result: '=', value: b.expectModRevision }],
          success: [{ type: 'put', key, value, ...(b.lease ? { lease: b.lease } : {}) }],
          failure: [{ type: 'range', key }],
        });
        if (!t.succeeded) {
          const current = t.responses[0]?.response_range?.kvs[0];
          throw Object.assign(
            new AppError(
              'MON_KV_CONFLICT',
              `key ${key.toString('utf8').slice(0, 200)} changed since mod revision ${b.expectModRevision}: it is at ${current?.mod_revision ?? 'deleted'}`,
              {
                field: 'expectModRevision',
                hint: 'reload the key, look at the change, and edit again',
              },
            ),
            { current: current ? keyView(current, true) : null },
          );
        }
        return { revision: t.header.revision, header: headerView(t.header), kv: await readBack(rpc, key) };
      });
    },
  );

  app.delete(
    '/clusters/:name/kv',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Delete one key, or every key under a prefix or from a key on: dryRun=true counts them first, and such a delete must pass that count as expectCount',
        tags: ['keys'],
        params: NameParams,
        querystring: DeleteQuery,
        response: withErrors({ 200: DeleteResult }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const q = req.query;
      const key = requireKey(q);
      if (q.prefix && q.fromKey) throw new AppError('MON_BAD_REQUEST', 'fromKey: cannot be set with prefix', { field: 'fromKey', hint: 'choose one, as etcdctl del does' });
      // From key on to the end of the keyspace: etcd's range end "\0".
      const range = q.prefix ? rangeOf(key) : q.fromKey ? { key, rangeEnd: Buffer.from([0]) } : undefined;
      if (q.dryRun) {
        const r = await ops.read(name, (rpc) => rpc.range(key, { ...(range ? { rangeEnd: range.rangeEnd } : {}), countOnly: true }));
        return { deleted: Number(r.count), revision: r.header.revision, header: headerView(r.header), dryRun: true };
      }
      if (range && q.expectCount === undefined) {
        throw new AppError('MON_BAD_REQUEST', `expectCount: is required to delete ${q.fromKey ? 'from a key on' : 'a prefix'}`, {
          field: 'expectCount',
          hint: 'call with dryRun=true to count the keys that would go, show that count, and pass it as expectCount',
        });
      }
      const command = `etcdctl del${q.prefix ? ' --prefix' : q.fromKey ? ' --from-key' : ''} ${shellWord(key)}`;
      return audited(req, q.prefix ? 'kv.delete-prefix' : q.fromKey ? 'kv.delete-from-key' : 'kv.delete', key.toString('utf8'), name, command, async () => {
        const rpc = ops.get(name);
        // A prefix delete goes ahead only while the count is still the one the operator confirmed (counted just before;
        // etcd has no compare on a range's size, so a write between the two is the one window left).
        const count = range ? Number((await rpc.range(key, { rangeEnd: range.rangeEnd, countOnly: true })).count) : undefined;
        if (range && count !== q.expectCount) {
          throw new AppError('MON_KV_CONFLICT', `${count} keys are under ${key.toString('utf8').slice(0, 200)} now, not the ${q.expectCount} confirmed`, {
            field: 'expectCount',
            hint: 'count again with dryRun=true and confirm the new count',
          });
        }
        if (q.expectModRevision !== undefined && !range) {
          const t = await rpc.txn({ compare: [{ key, target: 'MOD', result: '=', value: q.expectModRevision }], success: [{ type: 'delete', key }], failure: [] });
          if (!t.succeeded)
            throw new AppError('MON_KV_CONFLICT', `key ${key.toString('utf8').slice(0, 200)} changed since mod revision ${q.expectModRevision}`, { field: 'expectModRevision' });
          return { deleted: Number(t.responses[0]?.response_delete_range?.deleted ?? 0), revision: t.header.revision, header: headerView(t.header), dryRun: false };
        }
        const r = await rpc.deleteRange(key, range ? { rangeEnd: range.rangeEnd } : {});
        return { deleted: Number(r.deleted), revision: r.header.revision, header: headerView(r.header), dryRun: false };
      });
    },
  );

  app.get(
    '/clusters/:name/watch',
    {
      schema: {
        summary: 'Server-Sent Events: each change of a key or prefix as it happens (`event: put`/`event: delete`, data: the key with its value)',
        tags: ['keys'],
        params: NameParams,
        querystring: WatchQuery,
        response: withErrors({
          200: { content: { 'text/event-stream': { schema: Type.String({ description: 'event: put and event: delete frames, data: a KeyView (with prevKv: {kv, prev})' }) } } },
        }),
      },
    },
    async (req, reply) => {
      const name = cluster(req.params.name);
      const q = req.query;
      const key = requireKey(q);
      const rpc = ops.get(name);
      // etcd accepts a watch from a compacted revision and cancels it only after "created": a read at that revision
      // first makes it a 410 ETCD_COMPACTED before the stream starts, not an error event inside a 200.
      if (q.revision) await rpc.range(key, { revision: q.revision, countOnly: true });
      // Opened before the answer starts, so a refused watch is a 4xx, not a broken stream.
      const stream = await rpc.watch(key, {
        ...(q.prefix ? { rangeEnd: prefixRangeEnd(key) } : {}),
        ...(q.revision ? { startRevision: q.revision } : {}),
        prevKv: q.prevKv ?? false,
        progressNotify: true,
      });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`event: created\ndata: ${JSON.stringify({ revision: stream.created.header.revision })}\n\n`);
      res.on('close', () => stream.cancel());
      void (async () => {
        try {
          for await (const m of stream) {
            for (const ev of m.events) {
              if (!ev.kv) continue;
              const data = { revision: ev.kv.mod_revision, kv: keyView(ev.kv, true), ...(ev.prev_kv ? { prev: keyView(ev.prev_kv, true) } : {}) };
              res.write(`event: ${ev.type === 'Delete' ? 'delete' : 'put'}\ndata: ${JSON.stringify(data)}\n\n`);
            }
            if (m.events.length === 0) res.write(`: progress ${m.header.revision}\n\n`);
          }
        } catch (err) {
          res.write(`event: error\ndata: ${JSON.stringify({ code: err instanceof AppError ? err.code : 'MON_INTERNAL', message: errorMessage(err) })}\n\n`);
        } finally {
          res.end();
        }
      })();
    },
  );

  app.get(
    '/audit',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'The audit log, newest first: every change made through the API, by whom, and how it ended',
        tags: ['audit'],
        querystring: AuditQuery,
        response: withErrors({ 200: Type.Array(AuditEntry) }),
      },
    },
    async (req) => {
      const q = req.query;
      const entries = deps.store.queryAudit({
        limit: q.limit ?? 200,
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.since !== undefined ? { since: q.since } : {}),
        ...(q.until !== undefined ? { until: q.until } : {}),
      });
      return entries.map((e) => ({ ...e, id: e.id ?? 0 }));
    },
  );
}

/** readBack reads a key just written, for the answer (its new revisions). */
async function readBack(rpc: EtcdRpc, key: Buffer) {
  const kv = (await rpc.range(key)).kvs[0];
  if (!kv) throw new AppError('MON_KV_NOT_FOUND', `key ${key.toString('utf8').slice(0, 200)} was deleted right after the write`, { field: 'key' });
  return keyView(kv, true);
}
