// The console's side of etcdctl: a command line split as a shell would, parsed by the CLI's own parser
// (@etcd-monitor/core/parse), and turned into the API call that does the same, or into a clear "not here" that names
// the `etcd-monitor ctl` command to run instead.
import { parseCtl, type CtlParsed } from '@etcd-monitor/core/parse';
import { OPS_COMMANDS, planOps, type OpsCommand } from './ops.ts';

/** splitWords splits a command line into words as a POSIX shell does for plain words: whitespace, 'single' and "double" quotes, backslash escapes. */
export function splitWords(line: string): { words: string[]; error?: string } {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return { words, error: `unterminated ${quote === '"' ? 'double' : 'single'} quote` };
  if (inWord) words.push(cur);
  return { words };
}

/** OutputMode is how the console prints: etcdctl's simple lines, its JSON document, or a table. */
export type OutputMode = 'simple' | 'json' | 'table';

/** ConsolePlan is what one command line does: an API call, or text to print instead. */
export type ConsolePlan =
  | { kind: 'get'; key: string; prefix: boolean; limit: number; keysOnly: boolean; countOnly: boolean; valueOnly: boolean; output: OutputMode }
  | { kind: 'put'; key: string; value: string; lease?: string; output: OutputMode }
  | { kind: 'del'; key: string; prefix: boolean; fromKey: boolean; dryRun: boolean; confirmed: boolean; output: OutputMode }
  | { kind: 'watch'; key: string; prefix: boolean; revision?: string; prevKv: boolean }
  | { kind: 'compaction'; revision: string; physical: boolean }
  | { kind: 'alarm list'; output: OutputMode }
  | { kind: 'alarm disarm'; output: OutputMode }
  | { kind: 'member list'; output: OutputMode }
  | { kind: 'member add'; name: string; peerURLs: string[]; learner: boolean; output: OutputMode }
  | { kind: 'member remove'; id: string; force: boolean; output: OutputMode }
  | { kind: 'member update'; id: string; peerURLs: string[]; output: OutputMode }
  | { kind: 'member promote'; id: string; output: OutputMode }
  | { kind: 'endpoint status' | 'endpoint health'; cluster: boolean; output: OutputMode }
  | { kind: 'endpoint hashkv'; cluster: boolean; revision: string; output: OutputMode }
  | { kind: 'defrag'; cluster: boolean; force: boolean }
  | { kind: 'snapshot save'; file: string }
  | { kind: 'move-leader'; id: string; output: OutputMode }
  | { kind: 'version' }
  | { kind: 'ops'; op: OpsCommand; output: OutputMode }
  | { kind: 'print'; text: string; error: boolean };

// Connection flags choose a cluster in etcdctl; in the console the page's cluster is the connection.
const CONNECTION_FLAGS = [
  'endpoints',
  'cacert',
  'cert',
  'key',
  'user',
  'password',
  'insecure-skip-tls-verify',
  'insecure-transport',
  'dial-timeout',
  'command-timeout',
  'keepalive-time',
  'keepalive-timeout',
  'debug',
];

/** cliEquivalent is the `etcd-monitor ctl` command line that does what the console could not, for the same cluster. */
export function cliEquivalent(words: string[], cluster: string): string {
  const quoted = words.map((w) => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`));
  return `etcd-monitor ctl --endpoints=<${cluster}'s endpoints> ${quoted.join(' ')}`;
}

/** hexId reads a member id as etcdctl does (hex, up to 64 bits), normalised to lower case without leading zeros. */
function hexId(arg: string): string | undefined {
  return /^[0-9a-fA-F]{1,16}$/.test(arg) ? BigInt(`0x${arg}`).toString(16) : undefined;
}

function notHere(what: string, words: string[], cluster: string): ConsolePlan {
  return { kind: 'print', error: true, text: `${what} is not offered by the monitor's API yet. Run it with the CLI:\n  ${cliEquivalent(words, cluster)}` };
}

/** planCommand turns a console line into what to do, with etcdctl's usage errors and exit codes where etcdctl would refuse it. */
export function planCommand(line: string, cluster: string, defaultOutput: OutputMode): ConsolePlan {
  const split = splitWords(line.trim());
  if (split.error) return { kind: 'print', error: true, text: `Error: ${split.error}` };
  const words = split.words[0] === 'etcdctl' ? split.words.slice(1) : split.words;
  const p = parseCtl(words);
  if (!p.ok) return { kind: 'print', error: p.exitCode !== 0, text: p.error ? `Error: ${p.error}\n${p.usage}`.trimEnd() : p.usage.trimEnd() };
  const given = (name: string) => p.given.includes(name);
  const ignored = CONNECTION_FLAGS.filter(given);
  const plan = planParsed(p, words, cluster, defaultOutput);
  if (ignored.length > 0 && plan.kind !== 'print') {
    return {
      kind: 'print',
      error: true,
      text: `Error: ${ignored.map((x) => `--${x}`).join(', ')}: the console always talks to cluster ${cluster} through the monitor, as you; leave connection flags out.`,
    };
  }
  return plan;
}

function planParsed(p: CtlParsed, words: string[], cluster: string, defaultOutput: OutputMode): ConsolePlan {
  const w = p.flags['write-out'] as string;
  const output: OutputMode | undefined = !p.given.includes('write-out') ? defaultOutput : w === 'simple' || w === 'json' || w === 'table' ? w : undefined;
  const usage = (msg: string): ConsolePlan => ({ kind: 'print', error: true, text: `Error: ${msg}` });
  if (output === undefined) return p.flags['write-out'] === 'fields' ? notHere('-w fields', words, cluster) : usage(`unknown output format "${w}": use simple, json or table`);
  const bool = (name: string) => p.flags[name] === true;
  const unsupported = (flags: string[]) => flags.filter((x) => p.given.includes(x) && p.flags[x] !== false && p.flags[x] !== '0' && p.flags[x] !== '');
  switch (p.command.path) {
    case 'get': {
      if (p.args.length === 0 || p.args.length > 2) return usage('get command needs one argument as key and an optional argument as range_end');
      const off = [
        ...unsupported(['from-key', 'rev', 'sort-by', 'order', 'hex']),
        ...(p.flags.consistency === 's' ? ['consistency'] : []),
        ...(p.args.length === 2 ? ['range_end'] : []),
      ];
      if (off.length > 0) return notHere(`get with ${off.map((x) => (x === 'range_end' ? 'a range end' : `--${x}`)).join(', ')}`, words, cluster);
      return {
        kind: 'get',
        key: p.args[0]!,
        prefix: bool('prefix'),
        limit: Number(p.flags.limit),
        keysOnly: bool('keys-only'),
        countOnly: bool('count-only'),
        valueOnly: bool('print-value-only'),
        output,
      };
    }
    case 'put': {
      if (p.args.length !== 2) return usage('put command needs 1 argument and input from stdin or 2 arguments');
      const off = unsupported(['ignore-value', 'ignore-lease', 'prev-kv', 'hex']);
      if (off.length > 0) return notHere(`put with ${off.map((x) => `--${x}`).join(', ')}`, words, cluster);
      const leaseHex = p.flags.lease as string;
      if (leaseHex !== '0' && !/^[0-9a-fA-F]{1,16}$/.test(leaseHex)) return usage(`bad lease ID (${leaseHex}), expecting ID in Hex`);
      return { kind: 'put', key: p.args[0]!, value: p.args[1]!, ...(leaseHex !== '0' ? { lease: BigInt(`0x${leaseHex}`).toString() } : {}), output };
    }
    case 'del': {
      if (p.args.length === 0 || p.args.length > 2) return usage('del command needs one argument as key and an optional argument as range_end');
      if (bool('prefix') && bool('from-key')) return usage('`--prefix` and `--from-key` cannot be set at the same time, choose one');
      const off = [...unsupported(['prev-kv', 'hex']), ...(p.args.length === 2 ? ['range_end'] : [])];
      if (off.length > 0) return notHere(`del with ${off.map((x) => (x === 'range_end' ? 'a range end' : `--${x}`)).join(', ')}`, words, cluster);
      return { kind: 'del', key: p.args[0]!, prefix: bool('prefix'), fromKey: bool('from-key'), dryRun: bool('dry-run'), confirmed: bool('yes'), output };
    }
    case 'watch': {
      if (p.args.length !== 1)
        return p.args.length === 0 ? notHere('watch with the key from stdin (interactive)', words, cluster) : notHere('watch with a range end', words, cluster);
      if (bool('progress-notify')) return notHere('watch --progress-notify', words, cluster);
      const rev = p.flags.rev as string;
      return { kind: 'watch', key: p.args[0]!, prefix: bool('prefix'), prevKv: bool('prev-kv'), ...(rev !== '0' ? { revision: rev } : {}) };
    }
    case 'compaction':
      if (p.args.length !== 1) return usage('compaction command needs 1 argument');
      if (!/^-?\d+$/.test(p.args[0]!)) return usage(`strconv.ParseInt: parsing "${p.args[0]}": invalid syntax`);
      return { kind: 'compaction', revision: p.args[0]!, physical: bool('physical') };
    case 'alarm list':
    case 'alarm disarm':
      return { kind: p.command.path, output };
    case 'member list':
      return { kind: 'member list', output };
    case 'member add': {
      if (p.args.length < 1) return usage('member name not provided');
      if (p.args.length > 1) return usage(`too many arguments: ${p.args.slice(1).join(' ')}`);
      const urls = p.flags['peer-urls'] as string;
      if (!urls) return usage('member peer urls not provided');
      return { kind: 'member add', name: p.args[0]!, peerURLs: urls.split(','), learner: bool('learner'), output };
    }
    case 'member remove':
    case 'member update':
    case 'member promote': {
      if (p.args.length !== 1) return usage('member ID is not provided');
      const id = hexId(p.args[0]!);
      if (id === undefined) return usage(`bad member ID arg (strconv.ParseUint: parsing ${JSON.stringify(p.args[0])}: invalid syntax), expecting ID in Hex`);
      if (p.command.path === 'member remove') return { kind: 'member remove', id, force: bool('force'), output };
      if (p.command.path === 'member promote') return { kind: 'member promote', id, output };
      const urls = p.flags['peer-urls'] as string;
      if (!urls) return usage('member peer urls not provided');
      return { kind: 'member update', id, peerURLs: urls.split(','), output };
    }
    case 'endpoint status':
    case 'endpoint health':
      return { kind: p.command.path, cluster: bool('cluster'), output };
    case 'endpoint hashkv':
      return { kind: 'endpoint hashkv', cluster: bool('cluster'), revision: String(p.flags.rev), output };
    case 'defrag':
      return { kind: 'defrag', cluster: bool('cluster'), force: bool('force') };
    case 'snapshot save':
      if (p.args.length !== 1) return usage('snapshot save expects one argument');
      return { kind: 'snapshot save', file: p.args[0]! };
    case 'move-leader': {
      if (p.args.length !== 1) return usage('move-leader command needs 1 argument');
      const id = hexId(p.args[0]!);
      if (id === undefined) return usage(`bad transferee ID arg (strconv.ParseUint: parsing ${JSON.stringify(p.args[0])}: invalid syntax), expecting ID in Hex`);
      return { kind: 'move-leader', id, output };
    }
    case 'version':
      return { kind: 'version' };
    default: {
      if (!OPS_COMMANDS.has(p.command.path)) return notHere(`\`${p.command.path}\``, words, cluster);
      const op = planOps(p);
      return typeof op === 'string' ? usage(op) : { kind: 'ops', op, output };
    }
  }
}
