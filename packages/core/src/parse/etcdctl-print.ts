// etcdctl 3.4's output formatting that needs no bytes: Go's JSON strings, %x ids, go-humanize sizes, Go durations,
// tablewriter tables, and the JSON documents of the cluster and maintenance answers (member, endpoint and alarm
// commands), written field by field in .proto order with Go's omitempty, so ids above 2^53 keep every digit. Shared by
// `etcd-monitor ctl` (its Printer) and the web console. Browser-safe: no Node imports; 64-bit integers are decimal
// strings throughout.

/** EtcdHeader is etcd's ResponseHeader with its 64-bit fields as decimal strings. */
export interface EtcdHeader {
  /** cluster_id is the id of the cluster. */
  cluster_id: string;
  /** member_id is the id of the member that answered. */
  member_id: string;
  /** revision is the store revision when the request was applied. */
  revision: string;
  /** raft_term is the raft term when the request was applied. */
  raft_term: string;
}

/** EtcdMember is one member of a member list (ID decimal). */
export interface EtcdMember {
  /** ID is the member id (decimal). */
  ID: string;
  /** name is empty until a newly added member starts. */
  name: string;
  /** peerURLs are the URLs the other members reach it at. */
  peerURLs: string[];
  /** clientURLs are the URLs clients reach it at. */
  clientURLs: string[];
  /** isLearner tells whether it is a non-voting learner. */
  isLearner: boolean;
}

/** EtcdStatus is a StatusResponse (etcd 3.4's fields). */
export interface EtcdStatus {
  /** header is the answering member's header. */
  header: EtcdHeader | null;
  /** version is the member's etcd version. */
  version: string;
  /** dbSize is the allocated database size in bytes. */
  dbSize: string;
  /** leader is the leader's id as the member knows it ("0" for none). */
  leader: string;
  /** raftIndex is the committed index. */
  raftIndex: string;
  /** raftTerm is the raft term. */
  raftTerm: string;
  /** raftAppliedIndex is the applied index. */
  raftAppliedIndex: string;
  /** errors are the member's alarm and health strings. */
  errors: string[];
  /** dbSizeInUse is the logically used size in bytes. */
  dbSizeInUse: string;
  /** isLearner tells whether the member is a learner. */
  isLearner: boolean;
}

/** EtcdHashKV is a HashKVResponse. */
export interface EtcdHashKV {
  /** header is the answering member's header. */
  header: EtcdHeader | null;
  /** hash is the CRC-32 hash (uint32). */
  hash: number;
  /** compact_revision is the member's compacted revision. */
  compact_revision: string;
}

/** EtcdAlarm is one raised alarm (alarm: NONE, NOSPACE or CORRUPT, any case). */
export interface EtcdAlarm {
  /** memberID is the id of the member that raised it (decimal). */
  memberID: string;
  /** alarm is the alarm's name. */
  alarm: string;
}

/** goString quotes a string as Go's encoding/json does: `<`, `>`, `&`, U+2028 and U+2029 escaped, control characters as \u00XX. */
export function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** hex renders a decimal uint64 id as Go's %x does. */
export function hex(decimal: string): string {
  return BigInt.asUintN(64, BigInt(decimal)).toString(16);
}

/** hex16 renders an id as Go's %016x does (lease ids). */
export function hex16(decimal: string): string {
  return hex(decimal).padStart(16, '0');
}

/** humanizeBytes renders a size as go-humanize's Bytes does (SI units, `20 kB`, `1.2 MB`), which etcdctl's tables use. */
export function humanizeBytes(s: number): string {
  if (s < 10) return `${s} B`;
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(s) / Math.log(1000));
  const val = Math.floor((s / 1000 ** e) * 10 + 0.5) / 10;
  if (val < 10) return `${val.toFixed(1)} ${sizes[e]}`;
  // Go's %.0f rounds a tie (20.5) to even; JavaScript's toFixed rounds it up.
  const fl = Math.floor(val);
  const rounded = val - fl === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(val);
  return `${rounded} ${sizes[e]}`;
}

/** goDuration renders milliseconds as Go's time.Duration.String does (`1.627153ms`, `5.000544999s`). */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const fmt = (v: number, unit: number, suffix: string) => {
    const whole = Math.floor(v / unit);
    const frac = (v % unit)
      .toString()
      .padStart(String(unit).length - 1, '0')
      .replace(/0+$/, '');
    return `${whole}${frac ? `.${frac}` : ''}${suffix}`;
  };
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return fmt(ns, 1e3, 'µs');
  if (ns < 1e9) return fmt(ns, 1e6, 'ms');
  if (ns < 60e9) return fmt(ns, 1e9, 's');
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const sec = fmt(ns % 60e9, 1e9, 's');
  return `${h ? `${h}h` : ''}${m}m${sec}`;
}

/** goTable draws a table as olekukonko/tablewriter does for etcdctl: upper-case centred headers, cells aligned right. */
export function goTable(header: string[], rows: string[][]): string {
  const head = header.map((h) => h.toUpperCase());
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const centre = (s: string, w: number) => {
    const gap = w - s.length;
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + s + ' '.repeat(gap - left);
  };
  let out = border;
  out += `|${head.map((h, i) => ` ${centre(h, widths[i]!)} `).join('|')}|\n`;
  out += border;
  for (const r of rows) out += `|${widths.map((w, i) => ` ${(r[i] ?? '').padStart(w)} `).join('|')}|\n`;
  out += border;
  return out;
}

/** rowsText is a row-shaped answer as etcdctl prints it: `a, b, c` lines in simple output, a tablewriter table in table output. */
export function rowsText(format: 'simple' | 'table', header: string[], rows: string[][]): string {
  if (format === 'table') return goTable(header, rows);
  return rows.map((r) => `${r.join(', ')}\n`).join('');
}

/** Go's omitempty over one JSON field: a zero (0, "", false, empty list, absent) leaves the field out. */
function fields(parts: Array<[string, string | undefined]>): string {
  return `{${parts
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `"${k}":${v}`)
    .join(',')}}`;
}
const int = (v: string) => (v === '0' || v === '' ? undefined : BigInt(v).toString());
const str = (v: string) => (v === '' ? undefined : goString(v));
const bool = (v: boolean) => (v ? 'true' : undefined);
const list = <T>(xs: T[], f: (x: T) => string) => (xs.length === 0 ? undefined : `[${xs.map(f).join(',')}]`);

/** headerJson is a ResponseHeader as etcdctl's JSON writes it (zero fields left out). */
export function headerJson(h: EtcdHeader): string {
  return fields([
    ['cluster_id', int(h.cluster_id)],
    ['member_id', int(h.member_id)],
    ['revision', int(h.revision)],
    ['raft_term', int(h.raft_term)],
  ]);
}

/** memberJson is one Member as etcdctl's JSON writes it. */
export function memberJson(m: EtcdMember): string {
  return fields([
    ['ID', int(m.ID)],
    ['name', str(m.name)],
    ['peerURLs', list(m.peerURLs, goString)],
    ['clientURLs', list(m.clientURLs, goString)],
    ['isLearner', bool(m.isLearner)],
  ]);
}

/** memberListJson is `member list -w json` (and the member remove, update and promote answers, which have the same shape). */
export function memberListJson(r: { header: EtcdHeader | null; members: EtcdMember[]; member?: EtcdMember | null }): string {
  return fields([
    ['header', r.header ? headerJson(r.header) : undefined],
    ['member', r.member ? memberJson(r.member) : undefined],
    ['members', list(r.members, memberJson)],
  ]);
}

/** memberRows are `member list`'s simple and table rows. */
export function memberRows(members: EtcdMember[]): { header: string[]; rows: string[][] } {
  return {
    header: ['ID', 'Status', 'Name', 'Peer Addrs', 'Client Addrs', 'Is Learner'],
    rows: members.map((m) => [hex(m.ID), m.name ? 'started' : 'unstarted', m.name, m.peerURLs.join(','), m.clientURLs.join(','), String(m.isLearner)]),
  };
}

/** statusJson is a StatusResponse as etcdctl's JSON writes it. */
export function statusJson(s: EtcdStatus): string {
  return fields([
    ['header', s.header ? headerJson(s.header) : undefined],
    ['version', str(s.version)],
    ['dbSize', int(s.dbSize)],
    ['leader', int(s.leader)],
    ['raftIndex', int(s.raftIndex)],
    ['raftTerm', int(s.raftTerm)],
    ['raftAppliedIndex', int(s.raftAppliedIndex)],
    ['errors', list(s.errors, goString)],
    ['dbSizeInUse', int(s.dbSizeInUse)],
    ['isLearner', bool(s.isLearner)],
  ]);
}

/** endpointStatusJson is `endpoint status -w json`. */
export function endpointStatusJson(list: Array<{ ep: string; resp: EtcdStatus }>): string {
  return `[${list.map((s) => `{"Endpoint":${goString(s.ep)},"Status":${statusJson(s.resp)}}`).join(',')}]`;
}

/** endpointStatusRows are `endpoint status`'s simple and table rows. */
export function endpointStatusRows(list: Array<{ ep: string; resp: EtcdStatus }>): { header: string[]; rows: string[][] } {
  return {
    header: ['endpoint', 'ID', 'version', 'db size', 'is leader', 'is learner', 'raft term', 'raft index', 'raft applied index', 'errors'],
    rows: list.map(({ ep, resp }) => [
      ep,
      hex(resp.header?.member_id ?? '0'),
      resp.version,
      humanizeBytes(Number(resp.dbSize)),
      String(resp.leader === (resp.header?.member_id ?? '0')),
      String(resp.isLearner),
      resp.raftTerm,
      resp.raftIndex,
      resp.raftAppliedIndex,
      resp.errors.join(', '),
    ]),
  };
}

/** EpHealthRow is one endpoint's health as `endpoint health` prints it. */
export interface EpHealthRow {
  /** ep is the endpoint. */
  ep: string;
  /** health tells whether the read went through. */
  health: boolean;
  /** took is how long it took, as Go prints a duration. */
  took: string;
  /** error is why it is unhealthy ("" when healthy). */
  error: string;
}

/** endpointHealthJson is `endpoint health -w json`. */
export function endpointHealthJson(list: EpHealthRow[]): string {
  return `[${list.map((h) => `{"endpoint":${goString(h.ep)},"health":${h.health},"took":${goString(h.took)}${h.error ? `,"error":${goString(h.error)}` : ''}}`).join(',')}]`;
}

/** endpointHealthLines are `endpoint health`'s simple lines (etcdctl writes them to stderr). */
export function endpointHealthLines(list: EpHealthRow[]): string {
  return list
    .map((h) => (h.error === '' ? `${h.ep} is healthy: successfully committed proposal: took = ${h.took}\n` : `${h.ep} is unhealthy: failed to commit proposal: ${h.error}\n`))
    .join('');
}

/** hashKVJson is a HashKVResponse as etcdctl's JSON writes it. */
export function hashKVJson(h: EtcdHashKV): string {
  return fields([
    ['header', h.header ? headerJson(h.header) : undefined],
    ['hash', h.hash === 0 ? undefined : String(h.hash)],
    ['compact_revision', int(h.compact_revision)],
  ]);
}

/** endpointHashKVJson is `endpoint hashkv -w json`. */
export function endpointHashKVJson(list: Array<{ ep: string; resp: EtcdHashKV }>): string {
  return `[${list.map((h) => `{"Endpoint":${goString(h.ep)},"HashKV":${hashKVJson(h.resp)}}`).join(',')}]`;
}

const ALARM_NUMBERS: Record<string, number> = { NONE: 0, NOSPACE: 1, CORRUPT: 2 };

/** alarmJson is `alarm list -w json` and `alarm disarm -w json` (etcd 3.4 fills no header in alarm answers). */
export function alarmJson(r: { header: EtcdHeader | null; alarms: EtcdAlarm[] }): string {
  return fields([
    ['header', r.header ? headerJson(r.header) : undefined],
    [
      'alarms',
      list(r.alarms, (a) => {
        const n = ALARM_NUMBERS[a.alarm.toUpperCase()] ?? 0;
        return fields([
          ['memberID', int(a.memberID)],
          ['alarm', n === 0 ? undefined : String(n)],
        ]);
      }),
    ],
  ]);
}

/** alarmLines are `alarm list`'s simple lines (etcdctl ends each with a space). */
export function alarmLines(alarms: EtcdAlarm[]): string {
  return alarms.map((a) => `memberID:${a.memberID} alarm:${a.alarm.toUpperCase()} \n`).join('');
}

/** headerOnlyJson is the answer of a call that returns only the header (move-leader, defragment), as etcdctl's JSON writes it. */
export function headerOnlyJson(h: EtcdHeader | null): string {
  return fields([['header', h ? headerJson(h) : undefined]]);
}
