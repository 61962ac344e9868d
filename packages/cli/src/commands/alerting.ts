import type { Command } from 'commander';
import Table from 'cli-table3';
import { AppError, parseDuration } from '@etcd-monitor/core';
import type { Alert, Channel, DeliveryAttempt, Rule, RuleTestResult, Silence } from '@etcd-monitor/monitor/contract';
import { UsageError, type CliIo, type RegisterCommand } from '../io.ts';

interface ApiOpts {
  url?: string;
  token?: string;
  writeOut?: string;
}

/** addApiFlags adds the flags that point a command at a running monitor. */
function addApiFlags(cmd: Command): Command {
  return cmd
    .option('--url <url>', "the monitor's URL (default $ETCD_MONITOR_URL or http://127.0.0.1:8390)")
    .option('--token <token>', 'a session token from POST /api/v1/login (default $ETCD_MONITOR_TOKEN)')
    .option('-w, --write-out <format>', 'table or json', 'table');
}

/** api calls the monitor's REST API and turns its JSON errors into one-line AppErrors; T is the answer's shape from the API contract. */
async function api<T = unknown>(io: CliIo, o: ApiOpts, method: string, path: string, body?: unknown): Promise<T> {
  const base = (o.url ?? io.env.ETCD_MONITOR_URL ?? 'http://127.0.0.1:8390').replace(/\/$/, '');
  if (!/^https?:\/\/[^/]+/.test(base)) throw new UsageError(`--url: "${base}" is not an http(s) URL`, { field: '--url', hint: 'e.g. --url http://127.0.0.1:8390' });
  const token = o.token ?? io.env.ETCD_MONITOR_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const c = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message;
    throw new AppError('CLI_MONITOR_UNREACHABLE', `cannot reach the monitor at ${base}: ${cause ?? (err as Error).message}`, {
      hint: 'is `etcd-monitor serve` running? pass --url',
    });
  }
  const text = await res.text();
  const doc = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (doc as { error?: { code: string; message: string; hint?: string; field?: string } } | undefined)?.error;
    throw new AppError((e?.code as `MON_${string}`) ?? 'CLI_MONITOR_ERROR', `${e?.message ?? `HTTP ${res.status}`}`, {
      hint: e?.hint,
      ...(res.status === 400 ? { field: e?.field ?? 'request' } : {}),
    });
  }
  return doc as T;
}

function print<T>(io: CliIo, o: ApiOpts, doc: T[], head: string[], row: (x: T) => unknown[]): void {
  if (o.writeOut === 'json') {
    io.out.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  if (o.writeOut !== 'table') throw new UsageError(`--write-out: "${o.writeOut}" is not a format`, { field: '--write-out', hint: 'use table or json' });
  const t = new Table({ head, style: { head: [], border: [], compact: true }, wordWrap: true });
  for (const x of doc) t.push(row(x).map((v) => (v === undefined || v === null ? '' : String(v))));
  io.out.write(`${t.toString()}\n`);
}

/** registerAlerting adds `alerts`, `silence add|list|expire`, `rules list|test` and `channels list|test`, which talk to a running monitor. */
export const registerAlerting: RegisterCommand = (program, io, setExit) => {
  addApiFlags(program.command('alerts').description('list pending and firing alerts of a running monitor').option('--cluster <name>', 'only this cluster')).action(
    async (o: ApiOpts & { cluster?: string }) => {
      const doc = await api<Alert[]>(io, o, 'GET', `/alerts${o.cluster ? `?cluster=${encodeURIComponent(o.cluster)}` : ''}`);
      print(io, o, doc, ['ALERT', 'SEVERITY', 'CLUSTER', 'MEMBER', 'STATE', 'SINCE', 'SUMMARY'], (a) => {
        const l = a.labels;
        return [
          l.alertname,
          l.severity,
          l.cluster,
          l.member,
          `${a.state}${a.silencedBy.length ? ' (silenced)' : a.inhibited ? ' (inhibited)' : ''}`,
          a.startsAt,
          a.annotations.summary,
        ];
      });
      setExit(doc.some((a) => a.state === 'firing') ? 1 : 0);
    },
  );

  const silence = program.command('silence').description('add, list or expire silences');
  addApiFlags(
    silence
      .command('add')
      .description('silence alerts matching every matcher, e.g. etcd-monitor silence add cluster=prod alertname=~"etcd.*Slow" --duration 2h --comment "disk swap"')
      .argument('<matchers...>', 'name=value, name!=value, name=~regex or name!~regex')
      .option('--duration <d>', 'how long, from now', '1h')
      .option('--comment <text>', 'why (required)')
      .option('--author <name>', 'who (default $USER)'),
  ).action(async (matchers: string[], o: ApiOpts & { duration: string; comment?: string; author?: string }) => {
    if (!o.comment) throw new UsageError('--comment is required', { field: '--comment', hint: 'say why, e.g. --comment "planned disk swap"' });
    const ms = parseDuration(o.duration, '--duration');
    const s = await api<Silence>(io, o, 'POST', '/silences', {
      matchers,
      endsAt: new Date(Date.now() + ms).toISOString(),
      createdBy: o.author ?? io.env.USER ?? 'cli',
      comment: o.comment,
    });
    if (o.writeOut === 'json') io.out.write(`${JSON.stringify(s, null, 2)}\n`);
    else io.out.write(`${s.id}\n`);
  });
  addApiFlags(silence.command('list').description('list silences')).action(async (o: ApiOpts) => {
    const doc = await api<Silence[]>(io, o, 'GET', '/silences');
    print(io, o, doc, ['ID', 'STATE', 'MATCHERS', 'ENDS', 'BY', 'COMMENT'], (s) => [s.id, s.state, s.matchers.join(' '), s.endsAt, s.createdBy, s.comment]);
  });
  addApiFlags(silence.command('expire').description('expire a silence now').argument('<id>')).action(async (id: string, o: ApiOpts) => {
    await api(io, o, 'DELETE', `/silences/${encodeURIComponent(id)}`);
    io.out.write(`expired ${id}\n`);
  });

  const rules = program.command('rules').description('list rules or test one against stored history');
  addApiFlags(rules.command('list').description('list the rules in force')).action(async (o: ApiOpts) => {
    const doc = await api<Rule[]>(io, o, 'GET', '/rules');
    print(io, o, doc, ['RULE', 'SEVERITY', 'FOR', 'ENABLED', 'ACTIVE', 'EXPRESSION'], (r) => [r.name, r.severity, r.for, r.enabled, r.status.active, r.expr]);
  });
  addApiFlags(
    rules
      .command('test')
      .description("replay a rule over a cluster's stored history: when would it have fired?")
      .argument('<rule>', 'rule name')
      .requiredOption('--cluster <name>', 'the cluster whose history to replay')
      .option('--from <time>', 'start: ISO time or a duration back from now', '1h')
      .option('--step <d>', 'evaluation step'),
  ).action(async (name: string, o: ApiOpts & { cluster: string; from: string; step?: string }) => {
    const r = await api<RuleTestResult>(io, o, 'POST', '/rules/test', { name, cluster: o.cluster, from: o.from, ...(o.step ? { step: o.step } : {}) });
    if (o.writeOut === 'json') io.out.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      io.out.write(`${name}: ${r.evaluations} evaluations; ${r.firstFiringAt ? `first fired at ${r.firstFiringAt}` : 'would not have fired'}\n`);
      for (const t of r.transitions) io.out.write(`  ${t.time}  ${t.state.padEnd(8)} ${t.member ?? ''} ${t.value ?? ''}\n`);
      for (const n of r.notes ?? []) io.out.write(`note: ${n}\n`);
    }
  });

  const channels = program.command('channels').description('list notification channels or send a test');
  addApiFlags(channels.command('list').description('list channels (secrets never shown)')).action(async (o: ApiOpts) => {
    const doc = await api<Channel[]>(io, o, 'GET', '/channels');
    print(io, o, doc, ['CHANNEL', 'TYPE', 'PENDING'], (c) => [c.name, c.type, c.pending]);
  });
  addApiFlags(channels.command('test').description('send a test notification now').argument('<name>')).action(async (name: string, o: ApiOpts) => {
    const a = await api<DeliveryAttempt>(io, o, 'POST', `/channels/${encodeURIComponent(name)}/test`);
    io.out.write(`${name}: ${a.outcome}${a.status ? ` (${a.status})` : ''}${a.error ? `: ${a.error}` : ''}\n`);
    setExit(a.outcome === 'delivered' ? 0 : 1);
  });
};
