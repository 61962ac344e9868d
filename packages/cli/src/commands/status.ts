import Table from 'cli-table3';
import pc from 'picocolors';
import { formatBytes } from '@etcd-monitor/core';
import type { ClusterView, Verdict } from '@etcd-monitor/etcd';
import { addConnectionFlags, connectionFromFlags } from '../connection.ts';
import { UsageError, type RegisterCommand } from '../io.ts';

const FORMATS = ['table', 'json'] as const;

/** registerStatus adds `status`: one row per member and a verdict, like `etcdctl endpoint status` and `endpoint health` together. */
export const registerStatus: RegisterCommand = (program, io, setExit) => {
  addConnectionFlags(
    program
      .command('status')
      .description("show every member's status and health, and a verdict: healthy, degraded, no quorum, no leader or split")
      .option('--cluster', 'use all members from the member list, like etcdctl --cluster')
      .option('-w, --write-out <format>', `output format: ${FORMATS.join(' or ')}`, 'table'),
  )
    .addHelpText('after', '\nExit status: 0 healthy, 1 anything else, 2 usage error. JSON output: see docs/cli.md.')
    .action(async (o: Record<string, unknown>) => {
      const format = String(o.writeOut);
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`--write-out: "${format}" is not a format`, { field: '--write-out', hint: `use ${FORMATS.join(' or ')}` });
      }
      const conn = connectionFromFlags(o, io.env);
      const { inspectCluster } = await import('@etcd-monitor/etcd');
      const view = await inspectCluster(conn, { discover: Boolean(o.cluster) });
      io.out.write(format === 'json' ? `${JSON.stringify(statusJson(view), null, 2)}\n` : statusTable(view, io.out));
      setExit(view.verdict === 'healthy' ? 0 : 1);
    });
};

/** statusJson is the stable JSON document `status -w json` prints (documented in docs/cli.md). */
export function statusJson(view: ClusterView) {
  return {
    verdict: view.verdict,
    reasons: view.reasons,
    leader: view.leader,
    clusterId: view.clusterId,
    alarms: view.alarms,
    members: view.members.map((m) => ({
      endpoint: m.endpoint,
      id: m.id,
      name: m.name,
      version: m.version,
      dbSize: m.dbSize,
      dbSizeInUse: m.dbSizeInUse,
      isLeader: m.isLeader,
      leader: m.leader,
      raftTerm: m.raftTerm,
      raftIndex: m.raftIndex,
      raftAppliedIndex: m.raftAppliedIndex,
      isLearner: m.isLearner,
      health: m.health,
      latencyMs: m.latencyMs,
      error: m.error,
      errorCode: m.errorCode,
      hint: m.hint,
      errors: m.errors,
    })),
  };
}

const VERDICT_COLOUR: Record<Verdict, (s: string) => string> = {
  healthy: pc.green,
  degraded: pc.yellow,
  'no quorum': pc.red,
  'no leader': pc.red,
  split: pc.red,
};

// etcdctl draws its tables in plain ASCII with no lines between rows; operators grep and paste these.
const ASCII_BORDERS = {
  top: '-',
  'top-mid': '+',
  'top-left': '+',
  'top-right': '+',
  bottom: '-',
  'bottom-mid': '+',
  'bottom-left': '+',
  'bottom-right': '+',
  left: '|',
  'left-mid': '+',
  mid: '-',
  'mid-mid': '+',
  right: '|',
  'right-mid': '+',
  middle: '|',
};

function statusTable(view: ClusterView, out: NodeJS.WritableStream): string {
  const colour = (out as { isTTY?: boolean }).isTTY ? (f: (s: string) => string, s: string) => f(s) : (_f: unknown, s: string) => s;
  const table = new Table({
    head: ['ENDPOINT', 'ID', 'NAME', 'VERSION', 'DB SIZE', 'IN USE', 'IS LEADER', 'RAFT TERM', 'RAFT INDEX', 'APPLIED INDEX', 'HEALTH', 'LATENCY', 'ERROR'],
    style: { head: [], border: [], compact: true },
    chars: ASCII_BORDERS,
    wordWrap: true,
    colWidths: [...Array<null>(12).fill(null), Math.min(60, Math.max(7, ...view.members.map((m) => (m.error ?? '').length + 2)))] as unknown as number[],
  });
  const dash = (v: unknown) => (v === null || v === undefined ? '-' : String(v));
  for (const m of view.members) {
    table.push([
      m.endpoint,
      dash(m.id),
      dash(m.name),
      dash(m.version),
      m.dbSize === null ? '-' : formatBytes(m.dbSize),
      m.dbSizeInUse === null ? '-' : formatBytes(m.dbSizeInUse),
      dash(m.isLeader),
      dash(m.raftTerm),
      dash(m.raftIndex),
      dash(m.raftAppliedIndex),
      m.raftTerm === null ? '-' : m.health ? colour(pc.green, 'healthy') : colour(pc.red, 'unhealthy'),
      m.latencyMs === null ? '-' : `${m.latencyMs} ms`,
      m.error ?? '',
    ]);
  }
  const lines = [table.toString(), `verdict: ${colour(VERDICT_COLOUR[view.verdict], view.verdict)}`];
  for (const r of view.reasons) lines.push(`  - ${r}`);
  return `${lines.join('\n')}\n`;
}
