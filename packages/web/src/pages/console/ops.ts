// The console's lease, txn, user, role and auth commands: etcdctl's arguments read as etcdctl reads them, one API
// call each (the monitor's lease, txn and etcd auth routes), printed as etcdctl prints the answer: its simple lines
// and its -w json document (header fields from etcd's own header, ids as exact numbers). etcdctl has no table for
// these; the console draws one for the answers that are lists and prints the rest as simple.
import { goString, goTable, headerJson, hex16, parseTxn, splitTxnSections, type CtlParsed, type EtcdHeader as GoHeader, type TxnInput } from '@etcd-monitor/core/parse';
import type {
  EtcdAuthStatus,
  EtcdDone,
  EtcdHeader,
  EtcdPermission,
  EtcdRole,
  EtcdRoleList,
  EtcdUser,
  EtcdUserList,
  KeyView,
  LeaseInfo,
  LeaseList,
  LeaseRevoked,
  LeaseView,
  TxnOpResult,
  TxnResult,
} from '@etcd-monitor/monitor/contract';
import { ApiError, apiFetch } from '../../api/client.ts';
import { withQuery } from '../../api/kv.ts';
import { apiPath } from '../../api/use-api.ts';
import { textBase64 } from '../../lib/kv-value.ts';
import { kvJson, valueText } from './output.ts';

type Output = 'simple' | 'json' | 'table';
type Range = { key: string; rangeEnd?: string; prefix?: boolean; fromKey?: boolean };

/** OpsCommand is one lease, txn, user, role or auth command with its arguments read. */
export type OpsCommand =
  | { cmd: 'lease grant'; ttl: number }
  | { cmd: 'lease revoke' | 'lease keep-alive'; id: string }
  | { cmd: 'lease timetolive'; id: string; keys: boolean }
  | { cmd: 'lease list' }
  | { cmd: 'txn'; text?: string }
  | { cmd: 'user list' | 'role list' | 'auth status' | 'auth enable' | 'auth disable' }
  | { cmd: 'user get'; name: string; detail: boolean }
  | { cmd: 'user add'; name: string; password?: string; noPassword: boolean }
  | { cmd: 'user passwd'; name: string; password?: string }
  | { cmd: 'user delete' | 'role get' | 'role add' | 'role delete'; name: string }
  | { cmd: 'user grant-role' | 'user revoke-role'; name: string; role: string }
  | { cmd: 'role grant-permission'; name: string; type: 'READ' | 'WRITE' | 'READWRITE'; range: Range; words: [string, string | undefined] }
  | { cmd: 'role revoke-permission'; name: string; range: Range; words: [string, string | undefined] };

/** OPS_COMMANDS are the etcdctl commands this module runs. */
export const OPS_COMMANDS = new Set([
  'lease grant',
  'lease revoke',
  'lease timetolive',
  'lease list',
  'lease keep-alive',
  'txn',
  'user list',
  'user get',
  'user add',
  'user delete',
  'user passwd',
  'user grant-role',
  'user revoke-role',
  'role list',
  'role get',
  'role add',
  'role delete',
  'role grant-permission',
  'role revoke-permission',
  'auth status',
  'auth enable',
  'auth disable',
]);

/** Printed is what a command printed: its text, and whether it failed. */
export interface Printed {
  text: string;
  error?: boolean;
}

/** leaseId reads a lease id as etcdctl does (hex) into the API's decimal; undefined when it is not one. */
function leaseId(arg: string): string | undefined {
  return /^[0-9a-fA-F]{1,16}$/.test(arg) ? BigInt(`0x${arg}`).toString() : undefined;
}

/** planOps reads the arguments of a lease, txn, user, role or auth command; a string is etcdctl's usage error. */
export function planOps(p: CtlParsed): OpsCommand | string {
  const a = p.args;
  const bool = (n: string) => p.flags[n] === true;
  const one = (what: string) => (a.length === 1 ? undefined : what);
  const path = p.command.path;
  switch (path) {
    case 'lease grant': {
      if (a.length !== 1) return 'lease grant command needs TTL argument';
      if (!/^-?\d+$/.test(a[0]!)) return `bad TTL (strconv.ParseInt: parsing "${a[0]}": invalid syntax)`;
      return { cmd: path, ttl: Number(a[0]) };
    }
    case 'lease revoke':
    case 'lease timetolive':
    case 'lease keep-alive': {
      if (a.length !== 1) return path === 'lease revoke' ? 'lease revoke command needs 1 argument' : `${path} command needs lease ID as argument`;
      const id = leaseId(a[0]!);
      if (id === undefined) return `bad lease ID arg (strconv.ParseInt: parsing "${a[0]}": invalid syntax), expecting ID in Hex`;
      if (path === 'lease timetolive') return { cmd: path, id, keys: bool('keys') };
      if (path === 'lease keep-alive' && !bool('once'))
        return 'keep-alive: the console renews a lease once: add --once (a keep-alive that runs until stopped needs etcd-monitor ctl)';
      return { cmd: path, id };
    }
    case 'lease list':
    case 'user list':
    case 'role list':
    case 'auth status':
    case 'auth enable':
    case 'auth disable':
      return a.length ? `${path} command does not accept argument` : { cmd: path };
    case 'txn':
      return a.length ? 'txn command does not accept argument' : { cmd: 'txn' };
    case 'user get':
      return one('user get command requires user name as its argument') ?? { cmd: path, name: a[0]!, detail: bool('detail') };
    case 'user add': {
      if (a.length !== 1) return 'user add command requires user name as its argument';
      const colon = a[0]!.indexOf(':');
      const name = colon === -1 ? a[0]! : a[0]!.slice(0, colon);
      const given = colon === -1 ? (p.flags['new-user-password'] as string) || undefined : a[0]!.slice(colon + 1);
      if (bool('no-password')) return { cmd: path, name, noPassword: true };
      return { cmd: path, name, noPassword: false, ...(given !== undefined ? { password: given } : {}) };
    }
    case 'user passwd':
      return one('user passwd command requires user name as its argument') ?? { cmd: path, name: a[0]! };
    case 'user delete':
    case 'role get':
    case 'role add':
    case 'role delete':
      return one(`${path} command requires ${path.startsWith('user') ? 'user' : 'role'} name as its argument`) ?? { cmd: path, name: a[0]! };
    case 'user grant-role':
    case 'user revoke-role':
      return a.length === 2
        ? { cmd: path, name: a[0]!, role: a[1]! }
        : `${path === 'user grant-role' ? 'user grant' : 'user revoke-role'} command requires user name and role name as its argument`;
    case 'role grant-permission':
    case 'role revoke-permission': {
      const grant = path === 'role grant-permission';
      if (a.length < (grant ? 3 : 2))
        return grant
          ? 'role grant command requires role name, permission type, and key [endkey] as its argument'
          : 'role revoke-permission command requires role name and key [endkey] as its argument';
      const [key, end] = grant ? [a[2]!, a[3]] : [a[1]!, a[2]];
      const prefix = bool('prefix');
      const fromKey = bool('from-key');
      if (prefix && fromKey) return '`--prefix` and `--from-key` cannot be set at the same time, choose one';
      if ((prefix || fromKey) && end !== undefined) return `too many arguments, only accept one argument when \`--${prefix ? 'prefix' : 'from-key'}\` is set.`;
      // An empty key with --prefix or --from-key is etcdctl's "every key": the range ["\0", "\0").
      const range: Range =
        key === '' && (prefix || fromKey) ? { key: '\0', fromKey: true } : { key, ...(prefix ? { prefix } : fromKey ? { fromKey } : end !== undefined ? { rangeEnd: end } : {}) };
      if (!grant) return { cmd: path, name: a[0]!, range, words: [key, end] };
      const type = a[1]!.toUpperCase();
      if (type !== 'READ' && type !== 'WRITE' && type !== 'READWRITE') return `invalid permission type ${a[1]}`;
      return { cmd: path, name: a[0]!, type, range, words: [key, end] };
    }
    default:
      return `${path} is not a lease, txn, user, role or auth command`;
  }
}

/** opsRole is the least monitor role the API asks for a command: etcd users, roles and auth changes admin, lease and txn changes operator. */
export function opsRole(c: OpsCommand): 'operator' | 'admin' | undefined {
  if (c.cmd === 'auth status' || c.cmd === 'lease list' || c.cmd === 'lease timetolive') return undefined;
  if (c.cmd.startsWith('user ') || c.cmd.startsWith('role ') || c.cmd.startsWith('auth ')) return 'admin';
  return 'operator';
}

/** needsInput tells what the console must ask for before running: a password (never typed into the command line), or the txn text. */
export function needsInput(c: OpsCommand): 'password' | 'txn' | undefined {
  if ((c.cmd === 'user add' && !c.noPassword && c.password === undefined) || (c.cmd === 'user passwd' && c.password === undefined)) return 'password';
  if (c.cmd === 'txn' && c.text === undefined) return 'txn';
  return undefined;
}

/** redactPassword hides a password typed into a command line (`user add NAME:PASSWORD`, `--new-user-password`) before it is shown or kept in the history. */
export function redactPassword(line: string): string {
  return line
    .replace(/(--new-user-password(?:=|\s+))("[^"]*"|'[^']*'|\S+)/g, '$1***')
    .replace(/(\buser\s+add\s+(?:-\S+\s+)*)("[^"]*"|'[^']*'|[^\s:]+):("[^"]*"|'[^']*'|\S+)/g, '$1$2:***');
}

/** readTxn reads the txn dialog's text as etcdctl's stdin; a string is etcdctl's error. */
export function readTxn(text: string): TxnInput | string {
  const parts = splitTxnSections(text.endsWith('\n') ? text : `${text}\n`);
  if (!parts) return 'EOF: give the compares, an empty line, the success requests, an empty line, the failure requests';
  return parseTxn(...parts);
}

const go = (h: EtcdHeader): GoHeader => ({ cluster_id: h.clusterId, member_id: h.memberId, revision: h.revision, raft_term: h.raftTerm });
/** hdrFields is a header's JSON fields without braces, as Go prints a struct that embeds *pb.ResponseHeader. */
const hdrFields = (h: EtcdHeader) => headerJson(go(h)).slice(1, -1);
const join = (...parts: string[]) => parts.filter((x) => x !== '').join(',');
const withHeader = (h: EtcdHeader, ...fields: Array<string | undefined>) => `{${join(`"header":${headerJson(go(h))}`, ...fields.filter((x): x is string => x !== undefined))}}`;
const names = (field: string, list: string[]) => (list.length ? `"${field}":[${list.map(goString).join(',')}]` : undefined);

function opJson(r: TxnOpResult): string {
  if (r.op === 'get') {
    const body = withHeader(
      r.header,
      r.kvs?.length ? `"kvs":[${r.kvs.map((kv) => kvJson(kv, kv.value !== undefined || kv.valueBase64 !== undefined)).join(',')}]` : undefined,
      r.more ? '"more":true' : undefined,
      r.count ? `"count":${r.count}` : undefined,
    );
    return `{"Response":{"ResponseRange":${body}}}`;
  }
  if (r.op === 'put') return `{"Response":{"ResponsePut":${withHeader(r.header, r.prevKvs?.[0] ? `"prev_kv":${kvJson(r.prevKvs[0], true)}` : undefined)}}}`;
  const body = withHeader(
    r.header,
    r.deleted ? `"deleted":${r.deleted}` : undefined,
    r.prevKvs?.length ? `"prev_kvs":[${r.prevKvs.map((kv) => kvJson(kv, true)).join(',')}]` : undefined,
  );
  return `{"Response":{"ResponseDeleteRange":${body}}}`;
}

function opSimple(r: TxnOpResult): string[] {
  const kvLines = (kvs: KeyView[]) => kvs.flatMap((kv) => [kv.key, valueText(kv)]);
  if (r.op === 'get') return (r.kvs ?? []).flatMap((kv) => (kv.value !== undefined || kv.valueBase64 !== undefined ? [kv.key, valueText(kv)] : [kv.key]));
  if (r.op === 'put') return ['OK', ...kvLines(r.prevKvs ?? [])];
  return [String(r.deleted ?? 0), ...kvLines(r.prevKvs ?? [])];
}

const PERM_NUMBER = { READ: 0, WRITE: 1, READWRITE: 2 } as const;

function roleSimple(name: string, perms: EtcdPermission[]): string[] {
  const lines = [`Role ${name}`];
  for (const [label, types] of [
    ['KV Read:', ['READ', 'READWRITE']],
    ['KV Write:', ['WRITE', 'READWRITE']],
  ] as const) {
    lines.push(label);
    for (const p of perms) {
      if (!(types as readonly string[]).includes(p.type)) continue;
      if (p.rangeEndBase64 === '') lines.push(`\t${p.key}`);
      else lines.push(`\t[${p.key}, ${p.fromKey ? '<open ended>' : `${p.rangeEnd})`}${p.prefix ? ` (prefix ${p.key})` : ''}`);
    }
  }
  return lines;
}

function roleJson(r: EtcdRole): string {
  const perm = r.permissions.map((p) => {
    const fields = [
      PERM_NUMBER[p.type] ? `"permType":${PERM_NUMBER[p.type]}` : '',
      p.keyBase64 ? `"key":"${p.keyBase64}"` : '',
      p.rangeEndBase64 ? `"range_end":"${p.rangeEndBase64}"` : '',
    ];
    return `{${join(...fields)}}`;
  });
  return withHeader(r.header, perm.length ? `"perm":[${perm.join(',')}]` : undefined);
}

const lines = (xs: string[]) => ({ text: xs.join('\n') });

/** runOps runs one command through the API and prints the answer as etcdctl does in `output`. */
export async function runOps(cluster: string, c: OpsCommand, output: Output): Promise<Printed> {
  const base = apiPath`/clusters/${cluster}`;
  const done = async (method: string, path: string, message: string, body?: unknown) => {
    const r = await apiFetch<EtcdDone>(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}) });
    return { text: output === 'json' ? withHeader(r.header) : message };
  };
  const seg = encodeURIComponent;
  switch (c.cmd) {
    case 'lease grant': {
      const r = await apiFetch<LeaseView>(`${base}/leases`, { method: 'POST', body: { ttl: c.ttl } });
      return output === 'json' ? { text: `{${join(hdrFields(r.header), `"ID":${r.id},"TTL":${r.ttl},"Error":""`)}}` } : { text: `lease ${r.hex} granted with TTL(${r.ttl}s)` };
    }
    case 'lease revoke': {
      const r = await apiFetch<LeaseRevoked>(`${base}/leases/${c.id}`, { method: 'DELETE' });
      return output === 'json' ? { text: withHeader(r.header) } : { text: `lease ${r.hex} revoked` };
    }
    case 'lease timetolive': {
      let r: LeaseInfo;
      try {
        r = await apiFetch<LeaseInfo>(withQuery(`${base}/leases/${c.id}`, c.keys ? { keys: 'true' } : {}));
      } catch (e) {
        // etcd answers an expired lease with TTL -1, which etcdctl prints as a line of its own (exit 0).
        if (e instanceof ApiError && e.code === 'ETCD_LEASE_NOT_FOUND') {
          return output === 'json' ? { text: `{"id":${c.id},"ttl":-1,"granted-ttl":0,"keys":null}` } : { text: `lease ${hex16(c.id)} already expired` };
        }
        throw e;
      }
      const keys = r.keys ?? [];
      if (output === 'json') {
        const ks = keys.length ? `[${keys.map((k) => `"${k.keyBase64}"`).join(',')}]` : 'null';
        return { text: `{${join(hdrFields(r.header), `"id":${r.id},"ttl":${r.ttl},"granted-ttl":${r.grantedTtl},"keys":${ks}`)}}` };
      }
      if (output === 'table') return { text: goTable(['lease', 'ttl', 'granted ttl', 'keys'], [[r.hex, String(r.ttl), String(r.grantedTtl), keys.map((k) => k.key).join(' ')]]) };
      return { text: `lease ${r.hex} granted with TTL(${r.grantedTtl}s), remaining(${r.ttl}s)${c.keys ? `, attached keys([${keys.map((k) => k.key).join(' ')}])` : ''}` };
    }
    case 'lease list': {
      const r = await apiFetch<LeaseList>(`${base}/leases`);
      if (output === 'json') return { text: `{${join(hdrFields(r.header), `"leases":[${r.leases.map((l) => `{"id":${l.id}}`).join(',')}]`)}}` };
      if (output === 'table')
        return {
          text: goTable(
            ['lease', 'id (decimal)'],
            r.leases.map((l) => [l.hex, l.id]),
          ),
        };
      return lines([`found ${r.leases.length} leases`, ...r.leases.map((l) => l.hex)]);
    }
    case 'lease keep-alive': {
      try {
        const r = await apiFetch<LeaseView>(`${base}/leases/${c.id}/keep-alive`, { method: 'POST' });
        return output === 'json' ? { text: `{${join(hdrFields(r.header), `"ID":${r.id},"TTL":${r.ttl}`)}}` } : { text: `lease ${r.hex} keepalived with TTL(${r.ttl})` };
      } catch (e) {
        if (e instanceof ApiError && e.code === 'ETCD_LEASE_NOT_FOUND') return { text: `lease ${hex16(c.id)} expired or revoked.` };
        throw e;
      }
    }
    case 'txn': {
      const t = readTxn(c.text ?? '');
      if (typeof t === 'string') return { text: `Error: ${t}`, error: true };
      const r = await apiFetch<TxnResult>(`${base}/txn`, { method: 'POST', body: t });
      if (output === 'json')
        return { text: withHeader(r.header, r.succeeded ? '"succeeded":true' : undefined, r.responses.length ? `"responses":[${r.responses.map(opJson).join(',')}]` : undefined) };
      return lines([r.succeeded ? 'SUCCESS' : 'FAILURE', ...r.responses.flatMap((x) => ['', ...opSimple(x)])]);
    }
    case 'user list': {
      const r = await apiFetch<EtcdUserList>(`${base}/users`);
      if (output === 'json') return { text: withHeader(r.header, names('users', r.users)) };
      return output === 'table'
        ? {
            text: goTable(
              ['user'],
              r.users.map((u) => [u]),
            ),
          }
        : lines(r.users);
    }
    case 'role list': {
      const r = await apiFetch<EtcdRoleList>(`${base}/roles`);
      if (output === 'json') return { text: withHeader(r.header, names('roles', r.roles)) };
      return output === 'table'
        ? {
            text: goTable(
              ['role'],
              r.roles.map((x) => [x]),
            ),
          }
        : lines(r.roles);
    }
    case 'user get': {
      const r = await apiFetch<EtcdUser>(`${base}/users/${seg(c.name)}`);
      if (output === 'json') return { text: withHeader(r.header, names('roles', r.roles)) };
      if (!c.detail) return lines([`User: ${c.name}`, `Roles:${r.roles.map((x) => ` ${x}`).join('')}`]);
      const out = [`User: ${c.name}`];
      for (const role of r.roles) out.push('', ...roleSimple(role, (await apiFetch<EtcdRole>(`${base}/roles/${seg(role)}`)).permissions));
      return lines(out);
    }
    case 'role get': {
      const r = await apiFetch<EtcdRole>(`${base}/roles/${seg(c.name)}`);
      if (output === 'json') return { text: roleJson(r) };
      if (output === 'table')
        return {
          text: goTable(
            ['type', 'key', 'range end'],
            r.permissions.map((p) => [p.type, p.key, p.fromKey ? '<open ended>' : p.rangeEnd]),
          ),
        };
      return lines(roleSimple(c.name, r.permissions));
    }
    case 'user add':
      return done('POST', '/users', `User ${c.name} created`, { name: c.name, ...(c.noPassword ? { noPassword: true } : { password: c.password ?? '' }) });
    case 'user delete':
      return done('DELETE', `/users/${seg(c.name)}`, `User ${c.name} deleted`);
    case 'user passwd':
      return done('PUT', `/users/${seg(c.name)}/password`, 'Password updated', { password: c.password ?? '' });
    case 'user grant-role':
      return done('PUT', `/users/${seg(c.name)}/roles/${seg(c.role)}`, `Role ${c.role} is granted to user ${c.name}`);
    case 'user revoke-role':
      return done('DELETE', `/users/${seg(c.name)}/roles/${seg(c.role)}`, `Role ${c.role} is revoked from user ${c.name}`);
    case 'role add':
      return done('POST', '/roles', `Role ${c.name} created`, { name: c.name });
    case 'role delete':
      return done('DELETE', `/roles/${seg(c.name)}`, `Role ${c.name} deleted`);
    case 'role grant-permission':
      return done('POST', `/roles/${seg(c.name)}/permissions`, `Role ${c.name} updated`, { type: c.type, ...rangeBody(c.range) });
    case 'role revoke-permission': {
      const [key, end] = c.words;
      const range = c.range;
      const msg =
        !range.prefix && !range.fromKey && end === undefined
          ? `Permission of key ${key} is revoked from role ${c.name}`
          : range.fromKey
            ? `Permission of range [${range.key}, <open ended> is revoked from role ${c.name}`
            : `Permission of range [${key}, ${end ?? prefixEnd(key)}) is revoked from role ${c.name}`;
      const q = rangeBody(range);
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(q)) query[k] = String(v);
      return done('DELETE', withQuery(`/roles/${seg(c.name)}/permissions`, query), msg);
    }
    case 'auth status': {
      const r = await apiFetch<EtcdAuthStatus>(`${base}/auth/status`);
      if (output === 'json')
        return { text: withHeader(r.header, r.enabled ? '"enabled":true' : undefined, r.authRevision !== '0' ? `"authRevision":${r.authRevision}` : undefined) };
      return lines([`Authentication Status: ${r.enabled}`, `AuthRevision: ${r.authRevision}`]);
    }
    case 'auth enable':
      return done('POST', '/auth/enable', 'Authentication Enabled');
    case 'auth disable':
      return done('POST', '/auth/disable', 'Authentication Disabled');
  }
}

/** rangeBody is a permission's range as the API takes it; a key that is not plain text goes as base64. */
function rangeBody(r: Range): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = r.key === '\0' ? { keyBase64: textBase64('\0') } : { key: r.key };
  if (r.prefix) out.prefix = true;
  if (r.fromKey) out.fromKey = true;
  if (r.rangeEnd !== undefined) out.rangeEnd = r.rangeEnd;
  return out;
}

/** prefixEnd is the end of the range of every key starting with `key` (etcd's GetPrefixRangeEnd), as text. */
function prefixEnd(key: string): string {
  const b = new TextEncoder().encode(key);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = b.slice(0, i + 1);
      out[i]! += 1;
      return new TextDecoder().decode(out);
    }
  }
  return '\0';
}
