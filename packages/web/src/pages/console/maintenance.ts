// The console's cluster and maintenance commands (member, endpoint, defrag, alarm, snapshot, move-leader, version):
// each one API call (or a few), printed with etcdctl's own writers from @etcd-monitor/core/parse, so the text is what
// `etcd-monitor ctl` prints for the same answer.
import {
  alarmJson,
  alarmLines,
  endpointHashKVJson,
  endpointHealthJson,
  endpointHealthLines,
  endpointStatusJson,
  endpointStatusRows,
  goDuration,
  goTable,
  headerOnlyJson,
  hex,
  memberListJson,
  memberRows,
  rowsText,
  type EtcdMember,
  type EtcdStatus,
} from '@etcd-monitor/core/parse';
import type {
  AlarmList,
  EndpointHashList,
  EndpointHealthList,
  EndpointStatusList,
  MemberChange,
  MemberList,
  MemberView,
  MoveLeaderResult,
  VersionInfo,
} from '@etcd-monitor/monitor/contract';
import { ApiError, apiFetch } from '../../api/client.ts';
import { withQuery } from '../../api/kv.ts';
import { apiPath } from '../../api/use-api.ts';
import type { ConsolePlan, OutputMode } from './command.ts';
import { goHeader } from './output.ts';

/** Printed is what a command printed: its text, and whether it failed. */
export interface Printed {
  text: string;
  error?: boolean;
}

/** MaintenancePlan is a console plan this module runs. */
export type MaintenancePlan = Extract<
  ConsolePlan,
  {
    kind:
      | 'member list'
      | 'member add'
      | 'member remove'
      | 'member update'
      | 'member promote'
      | 'endpoint status'
      | 'endpoint health'
      | 'endpoint hashkv'
      | 'defrag'
      | 'alarm list'
      | 'alarm disarm'
      | 'snapshot save'
      | 'move-leader'
      | 'version';
  }
>;

/** decimal turns the API's hex id into etcd's decimal one (exact: ids exceed 2^53). */
export function decimal(hexId: string): string {
  return BigInt(`0x${hexId}`).toString();
}

function etcdMember(m: MemberView): EtcdMember {
  return { ID: decimal(m.id), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}

const unsupported = (format: OutputMode): Printed => ({ text: `Error: ${format} not supported as output format`, error: true });

/** memberChangedText is a member remove, update or promote answer as etcdctl prints it. */
function memberChangedText(what: 'removed from' | 'updated in' | 'promoted in', idHex: string, r: MemberChange, output: OutputMode): Printed {
  const header = r.header ? goHeader(r.header) : null;
  if (output === 'json') return { text: memberListJson({ header, members: r.members.map(etcdMember) }) };
  if (output !== 'simple') return unsupported(output);
  return { text: `Member ${idHex.padStart(16)} ${what} cluster ${hex(header?.cluster_id ?? '0').padStart(16)}` };
}

/** endpoints asks a per-endpoint route; etcdctl's --cluster reads every member's client URLs. */
function endpointsPath(cluster: string, what: 'status' | 'health' | 'hashkv', all: boolean, rev?: string): string {
  const path = {
    status: apiPath`/clusters/${cluster}/endpoints/status`,
    health: apiPath`/clusters/${cluster}/endpoints/health`,
    hashkv: apiPath`/clusters/${cluster}/endpoints/hashkv`,
  }[what];
  return withQuery(path, { ...(all ? { cluster: 'true' } : {}), ...(rev && rev !== '0' ? { revision: rev } : {}) });
}

function joinOut(out: string, failures: string[]): Printed {
  return { text: [out.replace(/\n$/, ''), ...failures].filter(Boolean).join('\n'), ...(failures.length ? { error: true } : {}) };
}

/** DefragProgress is told each member's outcome of a rolling defragmentation as it happens. */
export type DefragProgress = (line: string) => void;

/** runMaintenance runs one cluster or maintenance command through the API and returns what etcdctl would print. */
export async function runMaintenance(cluster: string, plan: MaintenancePlan, progress: DefragProgress): Promise<Printed> {
  switch (plan.kind) {
    case 'member list': {
      const r = await apiFetch<MemberList>(apiPath`/clusters/${cluster}/members`);
      const members = r.members.map(etcdMember);
      if (plan.output === 'json') return { text: memberListJson({ header: goHeader(r.header), members }) };
      const t = memberRows(members);
      return { text: rowsText(plan.output, t.header, t.rows).replace(/\n$/, '') };
    }
    case 'member add': {
      const r = await apiFetch<MemberChange>(apiPath`/clusters/${cluster}/members`, { method: 'POST', body: { peerURLs: plan.peerURLs, learner: plan.learner } });
      const header = r.header ? goHeader(r.header) : null;
      if (plan.output === 'json') return { text: memberListJson({ header, member: r.member ? etcdMember(r.member) : null, members: r.members.map(etcdMember) }) };
      if (plan.output !== 'simple') return unsupported(plan.output);
      const added = r.member!;
      const conf = r.members.flatMap((m) => m.peerURLs.map((u) => `${m.id === added.id ? plan.name : m.name}=${u}`));
      return {
        text: [
          `Member ${added.id.padStart(16)} added${added.isLearner ? ' as learner ' : ' '}to cluster ${hex(header?.cluster_id ?? '0').padStart(16)}`,
          '',
          `ETCD_NAME=${JSON.stringify(plan.name)}`,
          `ETCD_INITIAL_CLUSTER=${JSON.stringify(conf.join(','))}`,
          `ETCD_INITIAL_ADVERTISE_PEER_URLS=${JSON.stringify(plan.peerURLs.join(','))}`,
          'ETCD_INITIAL_CLUSTER_STATE="existing"',
        ].join('\n'),
      };
    }
    case 'member remove': {
      const r = await apiFetch<MemberChange>(withQuery(apiPath`/clusters/${cluster}/members/${plan.id}`, plan.force ? { force: 'true' } : {}), { method: 'DELETE' });
      return memberChangedText('removed from', plan.id, r, plan.output);
    }
    case 'member update': {
      const r = await apiFetch<MemberChange>(apiPath`/clusters/${cluster}/members/${plan.id}`, { method: 'PUT', body: { peerURLs: plan.peerURLs } });
      return memberChangedText('updated in', plan.id, r, plan.output);
    }
    case 'member promote': {
      const r = await apiFetch<MemberChange>(apiPath`/clusters/${cluster}/members/${plan.id}/promote`, { method: 'POST' });
      return memberChangedText('promoted in', plan.id, r, plan.output);
    }
    case 'endpoint status': {
      const r = await apiFetch<EndpointStatusList>(endpointsPath(cluster, 'status', plan.cluster));
      const list = r.endpoints.flatMap((e): Array<{ ep: string; resp: EtcdStatus }> =>
        e.status ? [{ ep: e.endpoint, resp: { ...e.status, header: goHeader(e.status.header) } }] : [],
      );
      const failures = r.endpoints.flatMap((e) => (e.error !== undefined ? [`Failed to get the status of endpoint ${e.endpoint} (${e.error})`] : []));
      if (plan.output === 'json') return joinOut(endpointStatusJson(list), failures);
      const t = endpointStatusRows(list);
      return joinOut(rowsText(plan.output, t.header, t.rows), failures);
    }
    case 'endpoint health': {
      const r = await apiFetch<EndpointHealthList>(endpointsPath(cluster, 'health', plan.cluster));
      const list = r.endpoints.map((h) => ({ ep: h.endpoint, health: h.health, took: goDuration(h.tookMs), error: h.error ?? '' }));
      const text =
        plan.output === 'json'
          ? endpointHealthJson(list)
          : plan.output === 'table'
            ? goTable(
                ['endpoint', 'health', 'took', 'error'],
                list.map((h) => [h.ep, String(h.health), h.took, h.error]),
              )
            : endpointHealthLines(list);
      const bad = list.some((h) => !h.health);
      return { text: text.replace(/\n$/, '') + (bad ? '\nError: unhealthy cluster' : ''), ...(bad ? { error: true } : {}) };
    }
    case 'endpoint hashkv': {
      const r = await apiFetch<EndpointHashList>(endpointsPath(cluster, 'hashkv', plan.cluster, plan.revision));
      const list = r.endpoints.flatMap((e) =>
        e.hashKV ? [{ ep: e.endpoint, resp: { header: goHeader(e.hashKV.header), hash: e.hashKV.hash, compact_revision: e.hashKV.compactRevision } }] : [],
      );
      const failures = r.endpoints.flatMap((e) => (e.error !== undefined ? [`Failed to get the hash of endpoint ${e.endpoint} (${e.error})`] : []));
      if (plan.output === 'json') return joinOut(endpointHashKVJson(list), failures);
      return joinOut(
        rowsText(
          plan.output,
          ['endpoint', 'hash'],
          list.map((h) => [h.ep, String(h.resp.hash)]),
        ),
        failures,
      );
    }
    case 'defrag':
      return defrag(cluster, plan, progress);
    case 'alarm list':
    case 'alarm disarm': {
      const r = await apiFetch<AlarmList>(apiPath`/clusters/${cluster}/maintenance/alarms`, { method: plan.kind === 'alarm list' ? 'GET' : 'DELETE' });
      // The API names members by hex id; etcdctl prints them in decimal here.
      const alarms = r.alarms.map((a) => ({ memberID: decimal(a.memberId), alarm: a.alarm }));
      if (plan.output === 'json') return { text: alarmJson({ header: null, alarms }) };
      if (plan.output !== 'simple') return unsupported(plan.output);
      return { text: alarmLines(alarms).replace(/\n$/, '') };
    }
    case 'move-leader': {
      const r = await apiFetch<MoveLeaderResult>(apiPath`/clusters/${cluster}/maintenance/move-leader`, { method: 'POST', body: { member: plan.id } });
      if (plan.output === 'json') return { text: headerOnlyJson(r.header ? goHeader(r.header) : null) };
      if (plan.output !== 'simple') return unsupported(plan.output);
      return { text: `Leadership transferred from ${r.from} to ${r.to}` };
    }
    case 'snapshot save':
      return snapshot(cluster, plan.file);
    case 'version': {
      const v = await apiFetch<VersionInfo>('/version');
      return { text: `etcd-monitor console version: ${v.version}\nAPI version: 3.4` };
    }
  }
}

/**
 * defrag is `defrag`: with --cluster the API's rolling run (followers first, the leader last, each healthy again before
 * the next), read as NDJSON so each member is printed as it is done; without it, each of the cluster's configured
 * endpoints in turn, as etcdctl defragments its --endpoints.
 */
async function defrag(cluster: string, plan: Extract<MaintenancePlan, { kind: 'defrag' }>, progress: DefragProgress): Promise<Printed> {
  const path = apiPath`/clusters/${cluster}/maintenance/defrag`;
  const lines: string[] = [];
  const say = (l: string) => {
    lines.push(l);
    progress(lines.join('\n'));
  };
  if (!plan.cluster) {
    const st = await apiFetch<EndpointStatusList>(endpointsPath(cluster, 'status', false));
    let failed = false;
    for (const e of st.endpoints) {
      if (!e.status) {
        say(`Failed to defragment etcd member[${e.endpoint}] (${e.error ?? 'no status'})`);
        failed = true;
        continue;
      }
      try {
        await apiFetch(path, { method: 'POST', body: { member: hex(e.status.header.memberId) } });
        say(`Finished defragmenting etcd member[${e.endpoint}]`);
      } catch (err) {
        say(`Failed to defragment etcd member[${e.endpoint}] (${err instanceof Error ? err.message : String(err)})`);
        failed = true;
      }
    }
    return { text: lines.join('\n'), ...(failed ? { error: true } : {}) };
  }
  say('Defragmenting every member, followers first and the leader last, each healthy again before the next…');
  const res = await fetch(`/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify(plan.force ? { force: true } : {}),
    credentials: 'same-origin',
  });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; hint?: string } } | undefined;
    throw new ApiError(res.status, body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? `The monitor answered ${res.status}.`, undefined, body?.error?.hint);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let error: string | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl)) as {
        step?: { name: string; endpoint: string; leader: boolean; ok: boolean; error?: string };
        error?: { code: string; message: string; hint?: string };
      };
      buf = buf.slice(nl + 1);
      if (msg.step) {
        const s = msg.step;
        say(
          s.ok
            ? `Finished defragmenting etcd member[${s.endpoint}]${s.leader ? ' (the leader)' : ''}`
            : `Failed to defragment etcd member[${s.endpoint}] (${s.error ?? 'unknown error'})`,
        );
      }
      if (msg.error) error = `Error: ${msg.error.message}${msg.error.hint ? ` — ${msg.error.hint}` : ''}`;
    }
  }
  if (error) say(error);
  return { text: lines.slice(1).join('\n'), ...(error ? { error: true } : {}) };
}

/**
 * snapshot is `snapshot save FILE` in a browser: the streamed snapshot is downloaded as FILE, and its SHA-256 trailer
 * (the last 32 bytes etcd appends) is checked against the data here too, where the page is a secure context.
 */
async function snapshot(cluster: string, file: string): Promise<Printed> {
  const res = await fetch(`/api/v1${apiPath`/clusters/${cluster}/maintenance/snapshot`}`, { credentials: 'same-origin' });
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; hint?: string } } | undefined;
    throw new ApiError(res.status, body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? `The monitor answered ${res.status}.`, undefined, body?.error?.hint);
  }
  // A transfer the monitor cut off (a failed check) rejects here: nothing is saved.
  const data = new Uint8Array(await res.arrayBuffer());
  if (data.length < 32) return { text: `Error: the snapshot is ${data.length} bytes: too short to hold its SHA-256`, error: true };
  const trailer = toHex(data.subarray(data.length - 32));
  let check: string;
  if (globalThis.crypto?.subtle) {
    const digest = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data.subarray(0, data.length - 32))));
    if (digest !== trailer) return { text: `Error: snapshot failed verification: its SHA-256 is ${digest}, the trailer says ${trailer}; nothing was saved`, error: true };
    check = `SHA-256 ${digest} verified`;
  } else {
    check = `SHA-256 ${trailer} (verified by the monitor while streaming; this page is not a secure context, so it was not checked again here)`;
  }
  const url = URL.createObjectURL(new Blob([data], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.split('/').pop() || 'snapshot.db';
  a.dataset.testid = 'snapshot-link';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { text: `snapshot verified: ${data.length} bytes, ${check}\nSnapshot saved at ${a.download} (your browser's downloads)` };
}

function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
