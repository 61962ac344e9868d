// core's subpaths, not its index (config fields, logger, loops…): ~10 ms less of every ctl start.
import { AppError, errorMessage } from '@etcd-monitor/core/errors';
import { versionInfo } from '@etcd-monitor/core/version';
import { CTL_EXIT, parseCtl, parseGoBool, type CtlParsed } from '@etcd-monitor/core/parse';
import type { ConnectionFlags, ConnectionOptions, EtcdRpc, MemberClient } from '@etcd-monitor/etcd';
import { Printer, UnsupportedFormat, goDuration, type EpHashKV, type EpHealth, type EpStatus, type OutputFormat, OUTPUT_FORMATS } from '@etcd-monitor/etcd/etcdctl';
import type { CliIo } from '../io.ts';
import { parseTxn } from './txn.ts';
import { rollingDefrag } from './defrag.ts';
import { CtlExit, badArgs, type Ctx } from './context.ts';
import { etcd, loadEtcd } from './etcd.ts';

/**
 * runCtl runs one etcdctl command line (`etcd-monitor ctl …`) and resolves to etcdctl's exit code for it. Output goes
 * to io.out/io.err as etcdctl writes it; errors are one `Error: …` line. It writes to the cluster only the writes the
 * command line asks for.
 */
export async function runCtl(argv: string[], io: CliIo, o: { prog?: string; signal?: AbortSignal } = {}): Promise<number> {
  const prog = o.prog ?? 'etcd-monitor ctl';
  const parsed = parseCtl(argv, prog);
  if (!parsed.ok) {
    io.out.write(parsed.usage);
    if (parsed.error) io.err.write(`Error: ${parsed.error}\n`);
    return parsed.exitCode;
  }
  // Like every etcdctl global flag, these two may come from the environment too (ETCDCTL_WRITE_OUT, ETCDCTL_HEX).
  for (const [flag, env] of [
    ['write-out', 'ETCDCTL_WRITE_OUT'],
    ['hex', 'ETCDCTL_HEX'],
  ] as const) {
    const v = io.env[env];
    if (v === undefined || v === '') continue;
    if (parsed.given.includes(flag)) {
      io.err.write(`Error: conflicting environment variable ${env} is shadowed by the command-line flag --${flag}\n`);
      return CTL_EXIT.badArgs;
    }
    parsed.flags[flag] = flag === 'hex' ? parseGoBool(v) === true : v;
  }
  const format = parsed.flags['write-out'] as string;
  if (!(OUTPUT_FORMATS as string[]).includes(format)) {
    io.err.write(`Error: unknown output format ${format === 'protobuf' ? '"protobuf" (not supported by etcd-monitor ctl)' : format}\n`);
    return CTL_EXIT.badFeature;
  }
  const out = new Printer(format as OutputFormat, { hex: parsed.flags.hex === true, valueOnly: parsed.flags['print-value-only'] === true });
  const clients: MemberClient[] = [];
  let conn: ConnectionOptions | undefined;
  let display: string[] | undefined;
  const controller = new AbortController();
  o.signal?.addEventListener('abort', () => controller.abort());
  const ctx: Ctx = {
    p: parsed,
    io,
    out,
    prog,
    signal: controller.signal,
    flag: (n) => String(parsed.flags[n] ?? ''),
    bool: (n) => parsed.flags[n] === true,
    conn: () => (conn ??= connection(parsed, io.env)),
    display: () => {
      if (display) return display;
      const c = ctx.conn();
      const raw = parsed.given.includes('endpoints') ? (parsed.flags.endpoints as string[]) : (io.env.ETCDCTL_ENDPOINTS ?? '127.0.0.1:2379').split(',').filter(Boolean);
      display = raw.length === c.endpoints.length ? raw : c.endpoints;
      return display;
    },
    rpc: async (fn) => {
      const c = ctx.conn();
      let last: unknown;
      for (const ep of c.endpoints) {
        const client = new etcd.MemberClient(ep, c);
        clients.push(client);
        try {
          return await fn(new etcd.EtcdRpc(client));
        } catch (err) {
          // Only a member that could not be reached at all is skipped: the call never left, so nothing is done twice.
          if (err instanceof AppError && (err.code === 'ETCD_DIAL_TIMEOUT' || (err.code === 'ETCD_UNREACHABLE' && /refused|resolve/.test(err.message)))) {
            last = err;
            continue;
          }
          throw err;
        }
      }
      throw last;
    },
    flush: () => {
      const { out: b, err } = out.take();
      if (b.length) io.out.write(b);
      if (err) io.err.write(err);
    },
  };
  try {
    const handler = COMMANDS[parsed.command.path];
    if (!handler) throw new CtlExit(CTL_EXIT.badFeature, `${parsed.command.path} is not supported`);
    if (!OFFLINE.has(parsed.command.path)) await loadEtcd();
    const code = (await handler(ctx)) ?? 0;
    ctx.flush();
    return code;
  } catch (err) {
    ctx.flush();
    if (err instanceof CtlExit) {
      if (err.message) io.err.write(`Error: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof UnsupportedFormat) {
      io.err.write(`Error: ${err.message}\n`);
      return CTL_EXIT.badFeature;
    }
    io.err.write(`Error: ${errorMessage(err)}\n`);
    // A bad connection flag is etcdctl's bad-args exit; everything the cluster refuses is a plain error.
    return err instanceof AppError && ['ETCD_BAD_FLAG', 'ETCD_BAD_TLS_FILE', 'ETCD_FLAG_CONFLICT', 'ETCD_BAD_ENDPOINT'].includes(err.code) ? CTL_EXIT.badArgs : CTL_EXIT.error;
  } finally {
    for (const c of clients) c.close();
  }
}

function connection(p: CtlParsed, env: NodeJS.ProcessEnv): ConnectionOptions {
  const given = (n: string) => (p.given.includes(n) ? p.flags[n] : undefined);
  const str = (n: string) => given(n) as string | undefined;
  const bool = (n: string) => {
    const v = given(n);
    return v === undefined ? undefined : String(v);
  };
  const flags: ConnectionFlags = {
    endpoints: given('endpoints') ? (p.flags.endpoints as string[]).join(',') : undefined,
    cacert: str('cacert'),
    cert: str('cert'),
    key: str('key'),
    insecureSkipTlsVerify: bool('insecure-skip-tls-verify'),
    insecureTransport: bool('insecure-transport'),
    user: str('user'),
    password: str('password'),
    dialTimeout: str('dial-timeout'),
    commandTimeout: str('command-timeout'),
  };
  return etcd.resolveConnectionOptions(etcd.mergeFlagsWithEnv(flags, env));
}

/** hexId parses an id given in hex, as etcdctl takes lease and member ids, into the decimal string the API wants. */
function hexId(s: string, what: string): string {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) throw badArgs(`bad ${what} arg (strconv.ParseUint: parsing "${s}": invalid syntax), expecting ID in Hex`);
  return BigInt(`0x${s}`).toString(10);
}

/** rangeOf applies --prefix/--from-key as etcdctl does: the key and range end to send. */
function rangeOf(ctx: Ctx, cmd: string, key: string, rangeEnd: string | undefined): { key: Buffer; rangeEnd?: Buffer } {
  const prefix = ctx.bool('prefix');
  const fromKey = ctx.bool('from-key');
  if (prefix && fromKey) throw badArgs('`--prefix` and `--from-key` cannot be set at the same time, choose one');
  if (prefix && rangeEnd !== undefined) throw badArgs('too many arguments, only accept one argument when `--prefix` is set.');
  if (fromKey && rangeEnd !== undefined) throw badArgs('too many arguments, only accept one argument when `--from-key` is set.');
  void cmd;
  if (prefix) return key === '' ? { key: etcd.FROM_KEY, rangeEnd: etcd.FROM_KEY } : { key: Buffer.from(key), rangeEnd: etcd.prefixRangeEnd(key) };
  if (fromKey) return { key: key === '' ? etcd.FROM_KEY : Buffer.from(key), rangeEnd: etcd.FROM_KEY };
  return rangeEnd === undefined ? { key: Buffer.from(key) } : { key: Buffer.from(key), rangeEnd: Buffer.from(rangeEnd) };
}

// node:readline is loaded by the two commands that read lines (txn -i, the prompts), not by every start.
const readline = () => process.getBuiltinModule('node:readline');

async function readAll(io: CliIo): Promise<string> {
  const input = io.in ?? process.stdin;
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

/** ask prompts on stderr and reads one line from stdin; undefined at end of input. */
async function ask(io: CliIo, question: string): Promise<string | undefined> {
  io.err.write(question);
  const rl = readline().createInterface({ input: io.in ?? process.stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return undefined;
  } finally {
    rl.close();
  }
}

type Handler = (ctx: Ctx) => Promise<number | void>;

const SORT_TARGETS: Record<string, 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE'> = { CREATE: 'CREATE', KEY: 'KEY', MODIFY: 'MOD', VALUE: 'VALUE', VERSION: 'VERSION' };

/** OFFLINE are the commands that never call etcd: they run without loading its client. */
const OFFLINE = new Set(['version']);

const COMMANDS: Record<string, Handler> = {
  async get(ctx) {
    const a = ctx.p.args;
    if (a.length === 0 || a.length > 2) throw badArgs('get command needs one argument as key and an optional argument as range_end');
    if (ctx.bool('print-value-only') && ctx.out.format !== 'simple') throw badArgs('print-value-only is only for `--write-out=simple`');
    const consistency = ctx.flag('consistency');
    if (consistency !== 'l' && consistency !== 's') throw new CtlExit(CTL_EXIT.badFeature, `unknown consistency flag "${consistency}"`);
    const order = ctx.flag('order');
    if (!['', 'ASCEND', 'DESCEND'].includes(order)) throw new CtlExit(CTL_EXIT.badFeature, `bad sort order ${order}`);
    const by = ctx.flag('sort-by');
    if (by !== '' && !SORT_TARGETS[by]) throw new CtlExit(CTL_EXIT.badFeature, `bad sort target ${by}`);
    const r = rangeOf(ctx, 'get', a[0]!, a[1]);
    const sortOrder = order === 'DESCEND' ? 'DESCEND' : order === 'ASCEND' || by !== '' ? 'ASCEND' : 'NONE';
    const wire = await ctx.rpc((rpc) =>
      rpc.rangeWire(r.key, {
        rangeEnd: r.rangeEnd,
        limit: ctx.flag('limit'),
        revision: ctx.flag('rev'),
        sortOrder,
        sortTarget: by ? SORT_TARGETS[by] : 'KEY',
        serializable: consistency === 's',
        keysOnly: ctx.bool('keys-only'),
        countOnly: ctx.bool('count-only'),
      }),
    );
    ctx.out.getWire(wire, ctx.bool('count-only'));
  },

  async put(ctx) {
    const a = ctx.p.args;
    if (a.length === 0) throw badArgs('put command needs 1 argument and input from stdin or 2 arguments');
    const ignoreValue = ctx.bool('ignore-value');
    if (ignoreValue && a.length > 1) throw badArgs('put command needs only 1 argument when --ignore-value is set');
    let value = a[1];
    if (!ignoreValue && value === undefined) {
      value = await readAll(ctx.io);
      if (value === '') throw badArgs('put command needs 1 argument and input from stdin or 2 arguments');
    }
    if (a.length > 2) throw badArgs('too many arguments');
    const lease = ctx.flag('lease');
    if (!/^[0-9a-fA-F]{1,16}$/.test(lease)) throw badArgs(`bad lease ID (strconv.ParseInt: parsing "${lease}": invalid syntax), expecting ID in Hex`);
    const resp = await ctx.rpc((rpc) =>
      rpc.put(a[0]!, value ?? '', { lease: BigInt(`0x${lease}`).toString(), prevKv: ctx.bool('prev-kv'), ignoreValue, ignoreLease: ctx.bool('ignore-lease') }),
    );
    ctx.out.put(resp);
  },

  async del(ctx) {
    const a = ctx.p.args;
    if (a.length === 0 || a.length > 2) throw badArgs('del command needs one argument as key and an optional argument as range_end');
    const r = rangeOf(ctx, 'del', a[0]!, a[1]);
    const guarded = ctx.bool('prefix') || ctx.bool('from-key');
    if (guarded || ctx.bool('dry-run')) {
      // The guard rail etcdctl lacks: count what would go, and ask before a prefix or from-key delete.
      const count = BigInt((await ctx.rpc((rpc) => rpc.range(r.key, { rangeEnd: r.rangeEnd, countOnly: true }))).count);
      const what = ctx.bool('prefix') ? `with prefix "${a[0]}"` : ctx.bool('from-key') ? `from "${a[0]}" on` : a[1] !== undefined ? `in ["${a[0]}", "${a[1]}")` : `named "${a[0]}"`;
      if (ctx.bool('dry-run')) {
        ctx.io.err.write(`dry run: ${count} key(s) ${what} would be deleted\n`);
        return;
      }
      if (!ctx.bool('yes') && count > 0n) {
        const answer = await ask(ctx.io, `${count} key(s) ${what} will be deleted. Delete them? [y/N] `);
        if (!/^y(es)?$/i.test((answer ?? '').trim())) throw new CtlExit(CTL_EXIT.error, 'aborted: nothing was deleted (pass --yes to delete without asking)');
      }
    }
    const resp = await ctx.rpc((rpc) => rpc.deleteRange(r.key, { rangeEnd: r.rangeEnd, prevKv: ctx.bool('prev-kv') }));
    ctx.out.del(resp);
  },

  async txn(ctx) {
    if (ctx.p.args.length) throw badArgs('txn command does not accept argument');
    const interactive = ctx.bool('interactive');
    const rl = readline().createInterface({ input: ctx.io.in ?? process.stdin, terminal: false });
    const lines = rl[Symbol.asyncIterator]();
    const section = async (prompt: string): Promise<string[]> => {
      if (interactive) ctx.io.out.write(prompt);
      const got: string[] = [];
      for (;;) {
        const n = await lines.next();
        // etcdctl ends each part at an empty line and refuses input that ends before it.
        if (n.done) throw new CtlExit(CTL_EXIT.invalidInput, 'EOF');
        if (n.value === '') return got;
        got.push(n.value);
      }
    };
    let t;
    try {
      const compares = await section('compares:\n');
      const success = await section('success requests (get, put, del):\n');
      const failure = await section('failure requests (get, put, del):\n');
      t = parseTxn(compares, success, failure);
    } finally {
      rl.close();
    }
    if (typeof t === 'string') throw badArgs(t);
    const request = t;
    ctx.out.txn(await ctx.rpc((rpc) => rpc.txn(request)));
  },

  async compaction(ctx) {
    const a = ctx.p.args;
    if (a.length !== 1) throw badArgs('compaction command needs 1 argument');
    if (!/^-?\d+$/.test(a[0]!)) throw new CtlExit(CTL_EXIT.error, `strconv.ParseInt: parsing "${a[0]}": invalid syntax`);
    const rev = BigInt(a[0]!);
    const resp = await ctx.rpc(async (rpc) => {
      // The guard rail: only a past revision, with the reason in words instead of etcd's.
      await etcd.requirePastRevision(rpc, rev).catch((err: unknown) => {
        throw err instanceof AppError && err.code === 'ETCD_REVISION_NOT_PAST' ? new CtlExit(CTL_EXIT.error, err.message) : err;
      });
      return rpc.compact(rev, { physical: ctx.bool('physical'), timeoutMs: ctx.bool('physical') ? Math.max(60_000, ctx.conn().commandTimeoutMs) : undefined });
    });
    void resp;
    ctx.out.line(`compacted revision ${rev}`);
  },

  async watch(ctx) {
    const a = ctx.p.args;
    if (a.length === 0 || a.length > 2) throw badArgs('bad number of arguments');
    const r = rangeOf(ctx, 'watch', a[0]!, a[1]);
    return ctx.rpc(async (rpc) => {
      const w = await rpc.watch(r.key, { rangeEnd: r.rangeEnd, startRevision: ctx.flag('rev'), prevKv: ctx.bool('prev-kv'), progressNotify: ctx.bool('progress-notify') });
      const stop = () => w.cancel();
      ctx.signal.addEventListener('abort', stop);
      try {
        for await (const resp of w) {
          // etcdctl prints this line in every format, before the response itself.
          if (resp.events.length === 0 && !resp.canceled) ctx.out.line(`progress notify: ${resp.header.revision}`);
          ctx.out.watch(resp);
          ctx.flush();
        }
      } catch (err) {
        if (err instanceof AppError && (err.code === 'ETCD_COMPACTED' || err.code === 'ETCD_SERVER')) {
          ctx.io.err.write(`watch was canceled (${err.message.replace(/^[^ ]+: watch canceled: /, '')})\n`);
          throw new CtlExit(CTL_EXIT.interrupted, 'watch is canceled by the server');
        }
        throw err;
      } finally {
        ctx.signal.removeEventListener('abort', stop);
      }
      // Ended by Ctrl-C: the shell's code for SIGINT, as etcdctl killed by it gives.
      return ctx.signal.aborted ? 130 : 0;
    });
  },

  async 'lease grant'(ctx) {
    const a = ctx.p.args;
    if (a.length !== 1) throw badArgs('lease grant command needs TTL argument');
    if (!/^-?\d+$/.test(a[0]!)) throw badArgs(`bad TTL (strconv.ParseInt: parsing "${a[0]}": invalid syntax)`);
    ctx.out.leaseGrant(await ctx.rpc((rpc) => rpc.leaseGrant(a[0]!)));
  },

  async 'lease revoke'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('lease revoke command needs 1 argument');
    const id = hexId(ctx.p.args[0]!, 'lease ID');
    try {
      ctx.out.leaseRevoke(id, await ctx.rpc((rpc) => rpc.leaseRevoke(id)));
    } catch (err) {
      if (err instanceof AppError) throw new CtlExit(CTL_EXIT.error, `failed to revoke lease (${err.message})`);
      throw err;
    }
  },

  async 'lease timetolive'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('lease timetolive command needs lease ID as argument');
    const id = hexId(ctx.p.args[0]!, 'lease ID');
    ctx.out.leaseTimeToLive(await ctx.rpc((rpc) => rpc.leaseTimeToLive(id, { keys: ctx.bool('keys') })), ctx.bool('keys'));
  },

  async 'lease list'(ctx) {
    if (ctx.p.args.length) throw badArgs('lease list command does not accept argument');
    ctx.out.leaseList(await ctx.rpc((rpc) => rpc.leaseLeases()));
  },

  async 'lease keep-alive'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('lease keep-alive command needs lease ID as argument');
    const id = hexId(ctx.p.args[0]!, 'lease ID');
    return ctx.rpc(async (rpc) => {
      const it = rpc.leaseKeepAlive(id, { forever: !ctx.bool('once'), timeoutMs: ctx.conn().commandTimeoutMs });
      const stop = () => void it.return(undefined);
      ctx.signal.addEventListener('abort', stop);
      try {
        for await (const r of it) {
          if (r.TTL === '0') break;
          ctx.out.leaseKeepAlive(r);
          ctx.flush();
          if (ctx.signal.aborted) break;
        }
      } finally {
        ctx.signal.removeEventListener('abort', stop);
      }
      if (ctx.signal.aborted) return 130;
      if (ctx.bool('once')) return 0;
      if (ctx.out.format === 'simple') ctx.out.line(`lease ${BigInt(id).toString(16).padStart(16, '0')} expired or revoked.`);
      return 0;
    });
  },

  async 'member list'(ctx) {
    ctx.out.memberList(await ctx.rpc((rpc) => rpc.memberList()));
  },

  async 'member add'(ctx) {
    const a = ctx.p.args;
    if (a.length < 1) throw badArgs('member name not provided');
    if (a.length > 1) throw badArgs(`too many arguments: ${a.slice(1).join(' ')}`);
    const urls = ctx.flag('peer-urls');
    if (!urls) throw badArgs('member peer urls not provided');
    const peerURLs = urls.split(',');
    const resp = await ctx.rpc((rpc) => rpc.memberAdd(peerURLs, { isLearner: ctx.bool('learner') }));
    ctx.out.memberAdd(resp);
    if (ctx.out.format === 'simple') {
      const conf: string[] = [];
      for (const m of resp.members) for (const u of m.peerURLs) conf.push(`${m.ID === resp.member!.ID ? a[0] : m.name}=${u}`);
      ctx.out.line();
      ctx.out.line(`ETCD_NAME=${JSON.stringify(a[0])}`);
      ctx.out.line(`ETCD_INITIAL_CLUSTER=${JSON.stringify(conf.join(','))}`);
      ctx.out.line(`ETCD_INITIAL_ADVERTISE_PEER_URLS=${JSON.stringify(urls)}`);
      ctx.out.line('ETCD_INITIAL_CLUSTER_STATE="existing"');
    }
  },

  async 'member remove'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('member ID is not provided');
    const id = hexId(ctx.p.args[0]!, 'member ID');
    const resp = await ctx.rpc(async (rpc) => {
      if (!ctx.bool('force')) {
        await etcd.refuseQuorumLoss(rpc, id, ctx.conn()).catch((err: unknown) => {
          throw err instanceof AppError && (err.code === 'ETCD_QUORUM_AT_RISK' || err.code === 'ETCD_MEMBER_NOT_FOUND') ? new CtlExit(CTL_EXIT.error, err.message) : err;
        });
      }
      return rpc.memberRemove(id);
    });
    ctx.out.memberChanged('removed from', id, resp);
  },

  async 'member update'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('member ID is not provided');
    const id = hexId(ctx.p.args[0]!, 'member ID');
    const urls = ctx.flag('peer-urls');
    if (!urls) throw badArgs('member peer urls not provided');
    ctx.out.memberChanged('updated in', id, await ctx.rpc((rpc) => rpc.memberUpdate(id, urls.split(','))));
  },

  async 'member promote'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('member ID is not provided');
    const id = hexId(ctx.p.args[0]!, 'member ID');
    ctx.out.memberChanged('promoted in', id, await ctx.rpc((rpc) => rpc.memberPromote(id)));
  },

  async 'endpoint status'(ctx) {
    const list: EpStatus[] = [];
    let failed = false;
    for (const { ep, url } of await targets(ctx)) {
      try {
        list.push({ ep, resp: await one(ctx, url, (rpc) => rpc.status()) });
      } catch (err) {
        failed = true;
        ctx.io.err.write(`Failed to get the status of endpoint ${ep} (${errorMessage(err)})\n`);
      }
    }
    ctx.out.endpointStatus(list);
    return failed ? CTL_EXIT.error : 0;
  },

  async 'endpoint health'(ctx) {
    const eps = await targets(ctx);
    const list = await Promise.all(eps.map(({ ep, url }) => health(ctx, ep, url)));
    ctx.out.endpointHealth(list);
    if (list.some((h) => !h.health)) throw new CtlExit(CTL_EXIT.error, 'unhealthy cluster');
  },

  async 'endpoint hashkv'(ctx) {
    const list: EpHashKV[] = [];
    let failed = false;
    for (const { ep, url } of await targets(ctx)) {
      try {
        list.push({ ep, resp: await one(ctx, url, (rpc) => rpc.hashKV(ctx.flag('rev'))) });
      } catch (err) {
        failed = true;
        ctx.io.err.write(`Failed to get the hash of endpoint ${ep} (${errorMessage(err)})\n`);
      }
    }
    ctx.out.endpointHashKV(list);
    return failed ? CTL_EXIT.error : 0;
  },

  async defrag(ctx) {
    return rollingDefrag(ctx, targets);
  },

  async 'alarm list'(ctx) {
    ctx.out.alarm(await ctx.rpc((rpc) => rpc.alarmList()));
  },

  async 'alarm disarm'(ctx) {
    const resp = await ctx.rpc(async (rpc) => {
      const list = await rpc.alarmList();
      const disarmed = { header: null, alarms: [] as typeof list.alarms };
      for (const a of list.alarms) disarmed.alarms.push(...(await rpc.alarmDisarm(a)).alarms);
      return disarmed;
    });
    ctx.out.alarm(resp);
  },

  async 'snapshot save'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('snapshot save expects one argument');
    const eps = ctx.conn().endpoints;
    if (eps.length !== 1) throw badArgs(`snapshot must be requested to one selected node, not multiple [${ctx.display().join(' ')}]`);
    const client = new etcd.MemberClient(eps[0]!, ctx.conn());
    try {
      const info = await etcd.saveSnapshot(client, ctx.p.args[0]!);
      ctx.io.err.write(`snapshot verified: ${info.size} bytes, SHA-256 ${info.sha256}\n`);
      ctx.out.line(`Snapshot saved at ${info.path}`);
    } finally {
      client.close();
    }
  },

  async 'move-leader'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('move-leader command needs 1 argument');
    const target = hexId(ctx.p.args[0]!, 'transferee ID');
    let leader: { url: string; id: string } | undefined;
    for (const { url } of await targets(ctx)) {
      const st = await one(ctx, url, (rpc) => rpc.status()).catch(() => undefined);
      if (st && st.leader === st.header.member_id) leader = { url, id: st.header.member_id };
    }
    if (!leader) throw new CtlExit(CTL_EXIT.error, `no leader endpoint given at [${ctx.display().join(' ')}]`);
    const from = leader;
    const resp = await one(ctx, from.url, (rpc) => rpc.moveLeader(target));
    ctx.out.moveLeader(from.id, target, resp);
  },

  async 'user list'(ctx) {
    ctx.out.userList(await ctx.rpc((rpc) => rpc.userList()));
  },

  async 'user get'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('user get command requires user name as its argument');
    const name = ctx.p.args[0]!;
    await ctx.rpc(async (rpc) => {
      const u = await rpc.userGet(name);
      if (!ctx.bool('detail')) return ctx.out.userGet(name, u);
      ctx.out.userDetail(name);
      for (const role of u.roles) {
        ctx.out.line();
        ctx.out.roleGet(role, await rpc.roleGet(role));
      }
    });
  },

  async 'user add'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('user add command requires user name as its argument');
    const [name, given] = splitOnce(ctx.p.args[0]!);
    let password = given;
    const noPassword = ctx.bool('no-password');
    if (!noPassword && password === undefined) {
      password = ctx.flag('new-user-password') || undefined;
      if (password === undefined) password = await readPassword(ctx, `Password of ${name}: `, true);
    }
    const resp = await ctx.rpc((rpc) => rpc.userAdd(name, password ?? '', { noPassword }));
    ctx.out.authDone('AuthUserAddResponse', `User ${name} created`, resp);
  },

  async 'user delete'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('user delete command requires user name as its argument');
    const name = ctx.p.args[0]!;
    ctx.out.authDone('AuthUserDeleteResponse', `User ${name} deleted`, await ctx.rpc((rpc) => rpc.userDelete(name)));
  },

  async 'user passwd'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('user passwd command requires user name as its argument');
    const name = ctx.p.args[0]!;
    const password = await readPassword(ctx, 'Password of ' + name + ': ', true);
    ctx.out.authDone('AuthUserChangePasswordResponse', 'Password updated', await ctx.rpc((rpc) => rpc.userChangePassword(name, password)));
  },

  async 'user grant-role'(ctx) {
    if (ctx.p.args.length !== 2) throw badArgs('user grant command requires user name and role name as its argument');
    const [user, role] = ctx.p.args as [string, string];
    ctx.out.authDone('AuthUserGrantRoleResponse', `Role ${role} is granted to user ${user}`, await ctx.rpc((rpc) => rpc.userGrantRole(user, role)));
  },

  async 'user revoke-role'(ctx) {
    if (ctx.p.args.length !== 2) throw badArgs('user revoke-role requires user name and role name as its argument');
    const [user, role] = ctx.p.args as [string, string];
    ctx.out.authDone('AuthUserRevokeRoleResponse', `Role ${role} is revoked from user ${user}`, await ctx.rpc((rpc) => rpc.userRevokeRole(user, role)));
  },

  async 'role list'(ctx) {
    ctx.out.roleList(await ctx.rpc((rpc) => rpc.roleList()));
  },

  async 'role get'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('role get command requires role name as its argument');
    const role = ctx.p.args[0]!;
    ctx.out.roleGet(role, await ctx.rpc((rpc) => rpc.roleGet(role)));
  },

  async 'role add'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('role add command requires role name as its argument');
    const role = ctx.p.args[0]!;
    ctx.out.authDone('AuthRoleAddResponse', `Role ${role} created`, await ctx.rpc((rpc) => rpc.roleAdd(role)));
  },

  async 'role delete'(ctx) {
    if (ctx.p.args.length !== 1) throw badArgs('role delete command requires role name as its argument');
    const role = ctx.p.args[0]!;
    ctx.out.authDone('AuthRoleDeleteResponse', `Role ${role} deleted`, await ctx.rpc((rpc) => rpc.roleDelete(role)));
  },

  async 'role grant-permission'(ctx) {
    const a = ctx.p.args;
    if (a.length < 3) throw badArgs('role grant command requires role name, permission type, and key [endkey] as its argument');
    const type = a[1]!.toUpperCase();
    if (!['READ', 'WRITE', 'READWRITE'].includes(type)) throw badArgs(`invalid permission type ${a[1]}`);
    const r = rangeOf(ctx, 'role grant-permission', a[2]!, a[3]);
    const role = a[0]!;
    await ctx.rpc((rpc) => rpc.roleGrantPermission(role, { permType: type as 'READ', key: r.key, rangeEnd: r.rangeEnd }));
    ctx.out.authDone('AuthRoleGrantPermissionResponse', `Role ${role} updated`, { header: null });
  },

  async 'role revoke-permission'(ctx) {
    const a = ctx.p.args;
    if (a.length < 2) throw badArgs('role revoke-permission command requires role name and key [endkey] as its argument');
    const r = rangeOf(ctx, 'role revoke-permission', a[1]!, a[2]);
    const role = a[0]!;
    const resp = await ctx.rpc((rpc) => rpc.roleRevokePermission(role, r.key, r.rangeEnd));
    const key = a[1]!;
    const end = r.rangeEnd?.toString('latin1') ?? '';
    const msg =
      end === ''
        ? `Permission of key ${key} is revoked from role ${role}`
        : end !== '\0'
          ? `Permission of range [${key}, ${end}) is revoked from role ${role}`
          : `Permission of range [${key}, <open ended> is revoked from role ${role}`;
    ctx.out.authDone('AuthRoleRevokePermissionResponse', msg, resp);
  },

  async 'auth status'(ctx) {
    ctx.out.authStatus(await ctx.rpc((rpc) => rpc.authStatus()));
  },

  async 'auth enable'(ctx) {
    await ctx.rpc((rpc) => rpc.authEnable());
    ctx.out.line('Authentication Enabled');
  },

  async 'auth disable'(ctx) {
    await ctx.rpc((rpc) => rpc.authDisable());
    ctx.out.line('Authentication Disabled');
  },

  async version(ctx) {
    ctx.out.line(`etcd-monitor ctl version: ${versionInfo().version}`);
    ctx.out.line('API version: 3.4');
  },
};

function splitOnce(s: string): [string, string | undefined] {
  const i = s.indexOf(':');
  return i === -1 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

async function readPassword(ctx: Ctx, prompt: string, confirm: boolean): Promise<string> {
  // etcdctl reads from the terminal without echo; here the password is one line of stdin (--interactive=false as etcdctl).
  const pw = await ask(ctx.io, ctx.bool('interactive') ? prompt : '');
  if (pw === undefined || pw === '') throw new CtlExit(CTL_EXIT.badArgs, 'empty password');
  void confirm;
  return pw;
}

/** targets are the endpoints a per-endpoint command talks to: --endpoints, or with --cluster every member's client URLs. */
async function targets(ctx: Ctx): Promise<Array<{ ep: string; url: string }>> {
  const c = ctx.conn();
  if (!ctx.bool('cluster')) return c.endpoints.map((url, i) => ({ ep: ctx.display()[i] ?? url, url }));
  const list = await ctx.rpc((rpc) => rpc.memberList());
  return list.members.flatMap((m) => m.clientURLs).map((u) => ({ ep: u, url: u }));
}

/** one runs fn against exactly one endpoint. */
async function one<T>(ctx: Ctx, url: string, fn: (r: EtcdRpc) => Promise<T>): Promise<T> {
  const client = new etcd.MemberClient(url, ctx.conn());
  try {
    return await fn(new etcd.EtcdRpc(client));
  } finally {
    client.close();
  }
}

/** health is `endpoint health` for one endpoint: a linearizable read of "health"; permission denied counts as healthy. */
async function health(ctx: Ctx, ep: string, url: string): Promise<EpHealth> {
  const client = new etcd.MemberClient(url, ctx.conn());
  const start = performance.now();
  try {
    await client.health();
    return { ep, health: true, took: goDuration(performance.now() - start), error: '' };
  } catch (err) {
    return { ep, health: false, took: goDuration(performance.now() - start), error: errorMessage(err).replace(`${url}: `, '') };
  } finally {
    client.close();
  }
}
