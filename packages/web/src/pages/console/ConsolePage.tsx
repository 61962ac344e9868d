import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Anchor, Badge, Button, Group, Paper, SegmentedControl, Stack, Table, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ctlCompletions, hex16 } from '@etcd-monitor/core/parse';
import type { CompactResult, DeleteResult, EtcdHeader, KeyDetail, KeyPage, KeyView, LevelPage, MemberList, PrefixStats, PutResult } from '@etcd-monitor/monitor/contract';
import { ApiError, apiFetch, errorText } from '../../api/client.ts';
import { kvPath, withQuery } from '../../api/kv.ts';
import { useCanOperate, useWhoami } from '../../api/queries.ts';
import { apiPath, invalidatePaths, useApiQuery } from '../../api/use-api.ts';
import { DeletePrefixDialog } from '../../components/DeletePrefixDialog.tsx';
import { planCommand, splitWords, type ConsolePlan, type OutputMode } from './command.ts';
import { delJson, getJson, getSimple, putJson, valueText, watchSimple } from './output.ts';
import { runMaintenance, type MaintenancePlan } from './maintenance.ts';
import { ConfirmDialog, type Confirmation } from './ConfirmDialog.tsx';
import { needsInput, opsRole, redactPassword, runOps } from './ops.ts';
import { OpsInputDialog } from './OpsInputDialog.tsx';
import { ClusterBreadcrumbs } from '../../components/ClusterBreadcrumbs.tsx';

/** Entry is one command run in the console and what it printed. */
interface Entry {
  id: number;
  line: string;
  text?: string;
  error?: boolean;
  table?: KeyView[];
  watch?: Extract<ConsolePlan, { kind: 'watch' }>;
}

const HISTORY_MAX = 200;
// A get through the console reads at most this many keys; more needs --limit or the CLI.
const GET_MAX = 1000;
const KEY_COMMANDS = new Set(['get', 'put', 'del', 'watch']);

function historyKey(user: string): string {
  return `etcd-monitor:console-history:${user}`;
}

function loadHistory(user: string): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(historyKey(user)) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** keyWordAt tells whether the line's last word is a command's first key argument, and returns it. */
function keyWordAt(line: string): string | undefined {
  const words = splitWords(line).words;
  if (/\s$/.test(line)) words.push('');
  const positional = words
    .slice(0, -1)
    .filter((w, i, all) => !w.startsWith('-') && !(i > 0 && /^(-w|--write-out|--lease|--limit|--rev|--consistency|--order|--sort-by)$/.test(all[i - 1]!)));
  const last = words.at(-1) ?? '';
  if (last.startsWith('-')) return undefined;
  const cmd = positional[0] === 'etcdctl' ? positional.slice(1) : positional;
  return cmd.length === 1 && KEY_COMMANDS.has(cmd[0]!) ? last : undefined;
}

/** ConsolePage runs etcdctl commands against one cluster through the API, as the signed-in user, with completion, history and live watches. */
export function ConsolePage() {
  const cluster = useParams().name ?? '';
  const me = useWhoami();
  const user = me.data?.name ?? 'anonymous';
  const canWrite = useCanOperate();
  const qc = useQueryClient();
  const [line, setLine] = useState('');
  const [entries, setEntries] = useState<Entry[]>([]);
  // History is per user: read from localStorage when the user is first known (or changes), kept in state after.
  const [hist, setHist] = useState<{ user: string; list: string[] } | undefined>(undefined);
  const history = hist?.user === user ? hist.list : loadHistory(user);
  const [cursor, setCursor] = useState<number | undefined>(undefined);
  const [mode, setMode] = useState<OutputMode>('simple');
  const [confirm, setConfirm] = useState<{ id: number; key: string; fromKey: boolean } | undefined>(undefined);
  const [asking, setAsking] = useState<{ id: number; plan: Extract<ConsolePlan, { kind: 'ops' }>; what: 'password' | 'txn' } | undefined>(undefined);
  const [pending, setPending] = useState<(Confirmation & { id: number; plan: ConsolePlan }) | undefined>(undefined);
  const nextId = useRef(1);
  const input = useRef<HTMLInputElement>(null);

  const keyWord = keyWordAt(line);
  const dir = keyWord === undefined ? undefined : keyWord.slice(0, keyWord.lastIndexOf('/') + 1);
  const level = useApiQuery<LevelPage>({
    path: kvPath(cluster, '/level'),
    params: { prefix: dir ?? '', limit: '50' },
    enabled: dir !== undefined,
    staleTime: 10_000,
    retry: false,
  });
  const completions = useMemo(() => {
    if (keyWord !== undefined)
      return (level.data?.items ?? [])
        .map((e) => (e.kind === 'folder' ? (e.prefix ?? (dir ?? '') + e.name) : (e.kv?.key ?? (dir ?? '') + e.name)))
        .filter((k) => k.startsWith(keyWord) && k !== keyWord);
    return ctlCompletions(line);
  }, [keyWord, level.data, dir, line]);

  const print = (id: number, patch: Partial<Entry>) => setEntries((es) => es.map((e) => (e.id === id ? { ...e, ...patch } : e)));
  const complete = (c: string) => {
    const cut = line.length - (/\s$/.test(line) ? 0 : (line.split(/\s+/).at(-1)?.length ?? 0));
    setLine(`${line.slice(0, cut)}${c}${c.endsWith('/') ? '' : ' '}`);
    input.current?.focus();
  };

  const run = async (text: string) => {
    // A password typed into the line (user add NAME:PASSWORD) is run but never shown nor kept in the history.
    const trimmed = redactPassword(text.trim());
    if (!trimmed) return;
    const id = nextId.current++;
    const h = [...history.filter((x) => x !== trimmed), trimmed].slice(-HISTORY_MAX);
    setHist({ user, list: h });
    localStorage.setItem(historyKey(user), JSON.stringify(h));
    setCursor(undefined);
    setLine('');
    if (trimmed === 'clear') {
      setEntries([]);
      return;
    }
    const plan = planCommand(text.trim(), cluster, mode);
    setEntries((es) => [...es, { id, line: trimmed, ...(plan.kind === 'watch' ? { watch: plan } : { text: '…' }) }]);
    if (plan.kind === 'print') return print(id, { text: plan.text, error: plan.error });
    if (plan.kind === 'watch') return;
    const role = me.data?.role ?? 'viewer';
    if (plan.kind === 'ops') {
      const needs = opsRole(plan.op);
      if ((needs === 'operator' && !canWrite) || (needs === 'admin' && role !== 'admin')) {
        return print(id, { text: `Error: ${plan.op.cmd} needs the ${needs} role; your role (${role}) may not run it. Nothing was run.`, error: true });
      }
      const what = needsInput(plan.op);
      if (what) {
        print(id, { text: what === 'txn' ? 'Waiting for the transaction…' : 'Waiting for the password…' });
        return setAsking({ id, plan, what });
      }
      return runOpsEntry(id, plan);
    }
    const needs = roleNeeded(plan);
    if ((needs === 'operator' && !canWrite) || (needs === 'admin' && role !== 'admin')) {
      return print(id, {
        text: `Error: ${commandName(plan)} needs the ${needs} role; your role (${role}) ${role === 'viewer' ? 'may only read keys and the cluster’s state' : 'may not change members'}. Nothing was run.`,
        error: true,
      });
    }
    const ask = await confirmationFor(cluster, plan);
    if (ask) {
      print(id, { text: 'Waiting for confirmation…' });
      setPending({ ...ask, id, plan });
      return;
    }
    await execute(id, plan);
  };

  const execute = async (id: number, plan: ConsolePlan) => {
    try {
      if (plan.kind === 'get') print(id, await runGet(cluster, plan));
      else if (isMaintenance(plan)) {
        print(id, await runMaintenance(cluster, plan, (text) => print(id, { text })));
        if (plan.kind.startsWith('member ') || plan.kind === 'move-leader') await invalidatePaths(qc, [apiPath`/clusters/${cluster}`]);
      } else if (plan.kind === 'compaction') {
        const r = await apiFetch<CompactResult>(apiPath`/clusters/${cluster}/maintenance/compact`, { method: 'POST', body: { revision: plan.revision, physical: plan.physical } });
        print(id, { text: `compacted revision ${r.revision}` });
      } else if (plan.kind === 'put') {
        const r = await apiFetch<PutResult>(kvPath(cluster), { method: 'PUT', body: { key: plan.key, value: plan.value, ...(plan.lease ? { lease: plan.lease } : {}) } });
        print(id, { text: plan.output === 'json' ? putJson(r.header) : 'OK' });
        await invalidatePaths(qc, [kvPath(cluster)]);
      } else if (plan.kind !== 'del') {
        return;
      } else if ((plan.prefix || plan.fromKey) && !plan.dryRun) {
        print(id, { text: 'Waiting for confirmation…' });
        setConfirm({ id, key: plan.key, fromKey: plan.fromKey });
      } else {
        const r = await apiFetch<DeleteResult>(
          withQuery(kvPath(cluster), {
            key: plan.key,
            ...(plan.prefix ? { prefix: 'true' } : {}),
            ...(plan.fromKey ? { fromKey: 'true' } : {}),
            ...(plan.dryRun ? { dryRun: 'true' } : {}),
          }),
          { method: 'DELETE' },
        );
        const text = plan.dryRun ? `${r.deleted} keys would be deleted` : plan.output === 'json' ? delJson(r.header, r.deleted) : String(r.deleted);
        print(id, { text });
        await invalidatePaths(qc, [kvPath(cluster)]);
      }
    } catch (e) {
      print(id, { text: `Error: ${errorText(e)}`, error: true });
    }
  };

  const runOpsEntry = async (id: number, plan: Extract<ConsolePlan, { kind: 'ops' }>, echo = '') => {
    try {
      const r = await runOps(cluster, plan.op, plan.output);
      print(id, { text: echo + r.text, ...(r.error ? { error: true } : {}) });
      if (plan.op.cmd === 'txn' || plan.op.cmd === 'lease revoke') await invalidatePaths(qc, [kvPath(cluster)]);
    } catch (e) {
      print(id, { text: `${echo}Error: ${errorText(e)}`, error: true });
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Tab' && completions.length > 0) {
      e.preventDefault();
      complete(completions[0]!);
    } else if (e.key === 'ArrowUp' && history.length > 0) {
      e.preventDefault();
      const i = cursor === undefined ? history.length - 1 : Math.max(0, cursor - 1);
      setCursor(i);
      setLine(history[i]!);
    } else if (e.key === 'ArrowDown' && cursor !== undefined) {
      e.preventDefault();
      const i = cursor + 1;
      setCursor(i >= history.length ? undefined : i);
      setLine(i >= history.length ? '' : history[i]!);
    }
  };

  return (
    <Stack gap="md">
      <ClusterBreadcrumbs cluster={cluster} page="Console" />
      <Group justify="space-between">
        <Title order={2}>Console of {cluster}</Title>
        <Group gap="sm">
          <SegmentedControl
            size="xs"
            value={mode}
            onChange={(v) => setMode(v as OutputMode)}
            data={[
              { value: 'simple', label: 'Simple' },
              { value: 'table', label: 'Table' },
              { value: 'json', label: 'JSON' },
            ]}
            aria-label="Output format"
            data-testid="console-mode"
          />
          <Anchor component={Link} to={`/clusters/${encodeURIComponent(cluster)}/keys`}>
            Open the key browser
          </Anchor>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        etcdctl 3.4 commands, run through the monitor as {me.data ? `${me.data.name} (${me.data.role})` : 'you'}; changes are written to the audit log. Tab completes commands,
        flags and keys; ↑/↓ walk your history.
      </Text>
      <Paper withBorder p="sm" data-testid="console-output" aria-live="polite">
        {entries.length === 0 && (
          <Text size="sm" c="dimmed">
            Try <code>get --prefix /</code>, <code>put /greeting hello</code> or <code>watch --prefix /</code>.
          </Text>
        )}
        <Stack gap="xs">
          {entries.map((e) => (
            <div key={e.id} data-testid="console-entry" data-error={e.error === true}>
              <Text size="sm" ff="monospace" fw={600}>
                $ etcdctl {e.line.replace(/^etcdctl\s+/, '')}
              </Text>
              {e.watch ? (
                <WatchOutput cluster={cluster} plan={e.watch} />
              ) : e.table ? (
                <KvTable kvs={e.table} />
              ) : (
                <pre className="value-view" data-testid="console-text" style={e.error ? { color: 'var(--mantine-color-error)' } : undefined}>
                  {e.text}
                </pre>
              )}
            </div>
          ))}
        </Stack>
      </Paper>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void run(line);
        }}
      >
        <Group align="flex-end" wrap="nowrap">
          <TextInput
            ref={input}
            label="Command"
            leftSection={<span aria-hidden>$</span>}
            placeholder="get --prefix /"
            value={line}
            onChange={(ev) => {
              setLine(ev.currentTarget.value);
              setCursor(undefined);
            }}
            onKeyDown={onKeyDown}
            autoComplete="off"
            spellCheck={false}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            style={{ flex: 1 }}
            data-testid="console-input"
          />
          <Button type="submit">Run</Button>
        </Group>
        {completions.length > 0 && (
          <Group gap={4} mt={4} aria-label="Completions (Tab takes the first)" role="group" data-testid="console-completions">
            {completions.slice(0, 12).map((c) => (
              <UnstyledButton key={c} className="key-row" onClick={() => complete(c)} data-testid="console-completion">
                <Text span size="xs" ff="monospace">
                  {c}
                </Text>
              </UnstyledButton>
            ))}
          </Group>
        )}
      </form>
      {asking && (
        <OpsInputDialog
          what={asking.what}
          {...('name' in asking.plan.op ? { user: asking.plan.op.name } : {})}
          onCancel={() => {
            print(asking.id, { text: 'Cancelled: nothing was run.' });
            setAsking(undefined);
          }}
          onSubmit={(value) => {
            const { id, plan, what } = asking;
            setAsking(undefined);
            print(id, { text: '…' });
            const op = what === 'txn' ? { ...plan.op, text: value } : { ...plan.op, password: value };
            void runOpsEntry(id, { ...plan, op } as typeof plan, what === 'txn' ? `${value.trimEnd()}\n\n` : '');
          }}
        />
      )}
      {pending && (
        <ConfirmDialog
          confirmation={pending}
          onCancel={() => {
            print(pending.id, { text: 'Cancelled: nothing was run.' });
            setPending(undefined);
          }}
          onConfirm={() => {
            const { id, plan } = pending;
            setPending(undefined);
            print(id, { text: '…' });
            void execute(id, plan);
          }}
        />
      )}
      {confirm && (
        <DeletePrefixDialog
          cluster={cluster}
          prefix={confirm.key}
          fromKey={confirm.fromKey}
          onClose={() => {
            print(confirm.id, { text: 'Cancelled: nothing was deleted.' });
            setConfirm(undefined);
          }}
          onDone={(r) => {
            print(confirm.id, { text: String(r.deleted) });
            setConfirm(undefined);
          }}
        />
      )}
    </Stack>
  );
}

const MAINTENANCE = new Set<string>([
  'member list',
  'member add',
  'member remove',
  'member update',
  'member promote',
  'endpoint status',
  'endpoint health',
  'endpoint hashkv',
  'defrag',
  'alarm list',
  'alarm disarm',
  'snapshot save',
  'move-leader',
  'version',
]);

function isMaintenance(plan: ConsolePlan): plan is MaintenancePlan {
  return MAINTENANCE.has(plan.kind);
}

function commandName(plan: ConsolePlan): string {
  return plan.kind === 'defrag' && plan.cluster ? 'defrag --cluster' : plan.kind;
}

/** roleNeeded is the role the API asks of a command: member changes admin, other changes (and the costly reads) operator. */
function roleNeeded(plan: ConsolePlan): 'operator' | 'admin' | undefined {
  switch (plan.kind) {
    case 'member add':
    case 'member remove':
    case 'member update':
    case 'member promote':
      return 'admin';
    case 'put':
    case 'del':
    case 'compaction':
    case 'alarm list':
    case 'alarm disarm':
    case 'defrag':
    case 'move-leader':
    case 'snapshot save':
    case 'endpoint hashkv':
      return 'operator';
    default:
      return undefined;
  }
}

/** confirmationFor says what a destructive command will do, for the dialog that asks before it runs; undefined runs it straight away. */
async function confirmationFor(cluster: string, plan: ConsolePlan): Promise<Confirmation | undefined> {
  const memberName = async (idHex: string) => {
    const list = await apiFetch<MemberList>(apiPath`/clusters/${cluster}/members`).catch(() => undefined);
    const m = list?.members.find((x) => x.id === idHex);
    return m ? `${m.name || '(unstarted)'} (${idHex})` : idHex;
  };
  switch (plan.kind) {
    case 'member remove':
      return {
        title: 'Remove a member',
        command: `member remove ${plan.id}${plan.force ? ' --force' : ''}`,
        what: `Member ${await memberName(plan.id)} leaves cluster ${cluster} for good: it stops taking part in raft, and to come back it must be added again and started with an empty data directory.${plan.force ? ' --force: the quorum check is skipped.' : ' Refused if the healthy voting members left would not be a quorum.'}`,
        action: 'Remove the member',
      };
    case 'defrag':
      if (!plan.cluster) return undefined;
      return {
        title: 'Defragment every member',
        command: `defrag --cluster${plan.force ? ' --force' : ''}`,
        what: `Every member of ${cluster} is defragmented one at a time, followers first and the leader last, each healthy again before the next. A member does not answer while it is defragmented.${plan.force ? ' --force: it goes ahead while the cluster is degraded and carries on past a failed member.' : ' Refused while the cluster is degraded.'}`,
        action: 'Defragment the cluster',
      };
    case 'move-leader':
      return {
        title: 'Move the leadership',
        command: `move-leader ${plan.id}`,
        what: `The leader of ${cluster} hands leadership to member ${await memberName(plan.id)}; writes pause for the moment of the transfer.`,
        action: 'Move the leader',
      };
    case 'alarm disarm':
      return {
        title: 'Disarm the alarms',
        command: 'alarm disarm',
        what: `Every alarm raised in ${cluster} (NOSPACE, CORRUPT) is cleared and the cluster accepts writes again. If the cause remains (a database at its quota), the alarm is raised again.`,
        action: 'Disarm the alarms',
      };
    case 'compaction':
      return {
        title: 'Compact the key history',
        command: `compaction${plan.physical ? ' --physical' : ''} ${plan.revision}`,
        what: `Every revision of every key in ${cluster} older than ${plan.revision} is discarded for good: reads and watches at an older revision fail afterwards.`,
        action: 'Compact',
      };
    default:
      return undefined;
  }
}

/** runGet reads what `get` asks for: one key, or a prefix page by page up to --limit (at most GET_MAX keys), or only the count. */
async function runGet(cluster: string, plan: Extract<ConsolePlan, { kind: 'get' }>): Promise<Partial<Entry>> {
  const o = { keysOnly: plan.keysOnly, countOnly: plan.countOnly, valueOnly: plan.valueOnly };
  if (plan.countOnly) {
    const s = plan.prefix ? await apiFetch<PrefixStats>(withQuery(kvPath(cluster, '/stats'), { prefix: plan.key, values: 'false', top: '1' })) : undefined;
    let count = s?.keys ?? 0;
    let header: EtcdHeader;
    if (!plan.prefix) {
      const one = await getOne(cluster, plan.key);
      count = one.kv ? 1 : 0;
      header = one.header;
    } else header = { ...(await headerOf(cluster)), revision: s!.revision };
    return { text: plan.output === 'json' ? getJson(header, [], count, { ...o, more: false }) : String(count) };
  }
  let kvs: KeyView[] = [];
  let header: EtcdHeader | undefined;
  let more = false;
  if (!plan.prefix) {
    const one = await getOne(cluster, plan.key);
    header = one.header;
    if (one.kv) kvs = [one.kv];
  } else {
    const max = plan.limit > 0 ? Math.min(plan.limit, GET_MAX) : GET_MAX;
    let cursor: string | undefined;
    do {
      const page = await apiFetch<KeyPage>(
        withQuery(kvPath(cluster), { prefix: plan.key, values: plan.keysOnly ? 'false' : 'true', limit: String(Math.min(1000, max - kvs.length)), ...(cursor ? { cursor } : {}) }),
      );
      header ??= page.header;
      kvs.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && kvs.length < max);
    more = cursor !== undefined;
  }
  if (plan.output === 'json') return { text: getJson(header!, kvs, kvs.length, { ...o, more }) };
  const note = more ? `\n(more keys follow: the console reads at most ${plan.limit > 0 ? plan.limit : GET_MAX}; use the key browser or etcd-monitor ctl get --prefix)` : '';
  if (plan.output === 'table') return kvs.length > 0 ? { table: kvs, ...(note ? { text: note } : {}) } : { text: '(no keys)' };
  return { text: getSimple(kvs, kvs.length, o) + note };
}

async function getOne(cluster: string, key: string): Promise<{ kv?: KeyView; header: EtcdHeader }> {
  try {
    const d = await apiFetch<KeyDetail>(withQuery(kvPath(cluster, '/key'), { key }));
    return { kv: d.kv, header: d.header };
  } catch (e) {
    // etcdctl prints nothing for a key that does not exist (and only the header in JSON).
    if (e instanceof ApiError && e.code === 'MON_KV_NOT_FOUND') return { header: await headerOf(cluster) };
    throw e;
  }
}

/** headerOf is etcd's header of a read that returns no key: what a get of a missing key answers. */
async function headerOf(cluster: string): Promise<EtcdHeader> {
  return (await apiFetch<KeyPage>(withQuery(kvPath(cluster), { prefix: '\u0000', limit: '1' }))).header;
}

function KvTable({ kvs }: { kvs: KeyView[] }) {
  return (
    <Table striped withTableBorder className="tabular" data-testid="console-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Key</Table.Th>
          <Table.Th>Value</Table.Th>
          <Table.Th>Mod revision</Table.Th>
          <Table.Th>Version</Table.Th>
          <Table.Th>Lease</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {kvs.map((kv) => (
          <Table.Tr key={kv.keyBase64}>
            <Table.Td ff="monospace">{kv.key}</Table.Td>
            <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>
              {kv.value !== undefined || kv.valueBase64 !== undefined ? valueText(kv) : ''}
            </Table.Td>
            <Table.Td>{kv.modRevision}</Table.Td>
            <Table.Td>{kv.version}</Table.Td>
            <Table.Td>{kv.lease === '0' ? '' : hex16(kv.lease)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

// A watch keeps this many lines on screen; older ones scroll away, as a terminal's would.
const WATCH_LINES = 2000;

/** WatchOutput streams a watch (Server-Sent Events) into the console, with pause (events are held, not lost) and stop. */
function WatchOutput({ cluster, plan }: { cluster: string; plan: Extract<ConsolePlan, { kind: 'watch' }> }) {
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'paused' | 'ended'>('connecting');
  const [note, setNote] = useState('');
  const held = useRef<string[]>([]);
  const paused = useRef(false);
  const source = useRef<EventSource | null>(null);
  const [heldCount, setHeldCount] = useState(0);
  useEffect(() => {
    const params = { key: plan.key, ...(plan.prefix ? { prefix: 'true' } : {}), ...(plan.prevKv ? { prevKv: 'true' } : {}), ...(plan.revision ? { revision: plan.revision } : {}) };
    const es = new EventSource(`/api/v1${withQuery(apiPath`/clusters/${cluster}/watch`, params)}`);
    source.current = es;
    const add = (text: string) => {
      if (paused.current) {
        held.current.push(text);
        setHeldCount(held.current.length);
      } else setLines((l) => [...l, text].slice(-WATCH_LINES));
    };
    es.addEventListener('created', (ev) => {
      setState(paused.current ? 'paused' : 'live');
      setNote(`watching since revision ${(JSON.parse((ev as MessageEvent<string>).data) as { revision: string }).revision}`);
    });
    for (const type of ['put', 'delete'] as const) {
      es.addEventListener(type, (ev) => {
        const d = JSON.parse((ev as MessageEvent<string>).data) as { kv: KeyView; prev?: KeyView };
        add(watchSimple(type, d.kv, d.prev));
      });
    }
    es.addEventListener('error', (ev) => {
      const data = (ev as MessageEvent<string>).data;
      // A server-sent `event: error` carries a message; a dropped connection has none. Either way the watch is over:
      // reconnecting would start from "now" and silently skip what happened in between.
      setNote(data ? `Error: ${(JSON.parse(data) as { message: string }).message}` : 'The watch stream ended.');
      setState('ended');
      es.close();
    });
    return () => es.close();
  }, [cluster, plan]);
  const toggle = () => {
    paused.current = !paused.current;
    if (!paused.current) {
      const flushed = held.current;
      held.current = [];
      setHeldCount(0);
      setLines((l) => [...l, ...flushed].slice(-WATCH_LINES));
    }
    setState(paused.current ? 'paused' : 'live');
  };
  return (
    <Stack gap={4} data-testid="console-watch" data-state={state}>
      <Group gap="xs">
        <Badge size="sm" variant="light" color={state === 'live' ? 'green' : state === 'paused' ? 'yellow' : 'gray'}>
          {state}
        </Badge>
        <Text size="xs" c="dimmed">
          {note}
          {heldCount > 0 ? ` · ${heldCount} ${heldCount === 1 ? 'event' : 'events'} held while paused` : ''}
        </Text>
        {state !== 'ended' && (
          <>
            <Button size="compact-xs" variant="default" onClick={toggle} data-testid="watch-pause">
              {state === 'paused' ? 'Resume' : 'Pause'}
            </Button>
            <Button
              size="compact-xs"
              variant="default"
              onClick={() => {
                source.current?.close();
                setState('ended');
                setNote('Stopped.');
              }}
              data-testid="watch-stop"
            >
              Stop
            </Button>
          </>
        )}
      </Group>
      <pre className="value-view" data-testid="watch-lines" tabIndex={0} aria-label="Watch events">
        {lines.join('\n')}
      </pre>
    </Stack>
  );
}
