// etcdctl 3.4's command line: its commands, flags, argument rules, usage text and exit codes, as data and one parser,
// shared by `etcd-monitor ctl` and the web console (browser-safe: no Node imports). Flags follow pflag, as etcdctl's
// do: `--flag value`, `--flag=value`, `-w json`, `-wjson`, bools as `--flag` or `--flag=false`, flags anywhere
// among the arguments, `--` ends them.

/** CtlFlagType is how a flag's value is read: pflag's bool, string, int64, uint, string slice and duration. */
export type CtlFlagType = 'bool' | 'string' | 'int' | 'uint' | 'strings' | 'duration';

/** CtlFlag is one flag of a command (or a global one). */
export interface CtlFlag {
  /** name is the long name, without `--`. */
  name: string;
  /** short is the one-letter form, without `-`. */
  short?: string;
  /** type is how the value is read. */
  type: CtlFlagType;
  /** def is the default, as etcdctl's usage prints it. */
  def: string;
  /** help is etcdctl's one-line description. */
  help: string;
}

/** CtlCommand is one etcdctl command: `path` as typed (`member list`), its usage line and flags. */
export interface CtlCommand {
  /** path is the command as typed, words separated by one space. */
  path: string;
  /** use is the usage after `etcdctl ` (etcdctl's `Use`). */
  use: string;
  /** short is etcdctl's one-line description. */
  short: string;
  /** flags are the command's own flags. */
  flags: CtlFlag[];
  /** writes tells whether the command changes the cluster (the console and the API ask the operator role for these). */
  writes: boolean;
}

/** CTL_EXIT are etcdctl's exit codes (etcdctl/ctlv3/command/error.go). */
export const CTL_EXIT = { success: 0, error: 1, badConnection: 2, invalidInput: 3, badFeature: 4, interrupted: 5, io: 6, badArgs: 128 } as const;

const f = (name: string, type: CtlFlagType, def: string, help: string, short?: string): CtlFlag => (short ? { name, short, type, def, help } : { name, type, def, help });

/** CTL_GLOBAL_FLAGS are the flags every command takes: connection, output format. */
export const CTL_GLOBAL_FLAGS: CtlFlag[] = [
  f('cacert', 'string', '', 'verify certificates of TLS-enabled secure servers using this CA bundle'),
  f('cert', 'string', '', 'identify secure client using this TLS certificate file'),
  f('command-timeout', 'duration', '5s', 'timeout for short running command (excluding dial timeout)'),
  f('debug', 'bool', 'false', 'enable client-side debug logging (accepted, no effect)'),
  f('dial-timeout', 'duration', '2s', 'dial timeout for client connections'),
  f('endpoints', 'strings', '[127.0.0.1:2379]', 'gRPC endpoints'),
  f('hex', 'bool', 'false', 'print byte strings as hex encoded strings'),
  f('insecure-skip-tls-verify', 'bool', 'false', 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)'),
  f('insecure-transport', 'bool', 'true', 'disable transport security for client connections'),
  f('keepalive-time', 'duration', '2s', 'keepalive time for client connections (accepted, no effect)'),
  f('keepalive-timeout', 'duration', '6s', 'keepalive timeout for client connections (accepted, no effect)'),
  f('key', 'string', '', 'identify secure client using this TLS key file'),
  f('password', 'string', '', "password for authentication (if this option is used, --user option shouldn't include password)"),
  f('user', 'string', '', 'username[:password] for authentication (prompt if password is not supplied)'),
  f('write-out', 'string', 'simple', 'set the output format (fields, json, simple, table)', 'w'),
];

const RANGE_FLAGS = [
  f('prefix', 'bool', 'false', 'Get keys with matching prefix'),
  f('from-key', 'bool', 'false', 'Get keys that are greater than or equal to the given key using byte compare'),
];
const CLUSTER = f('cluster', 'bool', 'false', 'use all endpoints from the cluster member list');
const PEER_URLS = f('peer-urls', 'string', '', 'comma separated peer URLs for the new member.');

const c = (path: string, use: string, short: string, flags: CtlFlag[] = [], writes = false): CtlCommand => ({ path, use, short, flags, writes });

/** CTL_COMMANDS are the commands `etcd-monitor ctl` runs, with etcdctl 3.4's flags (plus the guard-rail flags of `del`). */
export const CTL_COMMANDS: CtlCommand[] = [
  c('get', 'get [options] <key> [range_end]', 'Gets the key or a range of keys', [
    f('consistency', 'string', 'l', 'Linearizable(l) or Serializable(s)'),
    f('count-only', 'bool', 'false', 'Get only the count'),
    RANGE_FLAGS[1]!,
    f('keys-only', 'bool', 'false', 'Get only the keys'),
    f('limit', 'int', '0', 'Maximum number of results'),
    f('order', 'string', '', 'Order of results; ASCEND or DESCEND (ASCEND by default)'),
    RANGE_FLAGS[0]!,
    f('print-value-only', 'bool', 'false', 'Only write values when using the "simple" output format'),
    f('rev', 'int', '0', 'Specify the kv revision'),
    f('sort-by', 'string', '', 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION'),
  ]),
  c(
    'put',
    'put [options] <key> <value> (<value> can also be given from stdin)',
    'Puts the given key into the store',
    [
      f('ignore-lease', 'bool', 'false', 'updates the key using its current lease'),
      f('ignore-value', 'bool', 'false', 'updates the key using its current value'),
      f('lease', 'string', '0', 'lease ID (in hexadecimal) to attach to the key'),
      f('prev-kv', 'bool', 'false', 'return the previous key-value pair before modification'),
    ],
    true,
  ),
  c(
    'del',
    'del [options] <key> [range_end]',
    'Removes the specified key or range of keys [key, range_end)',
    [
      f('dry-run', 'bool', 'false', 'with --prefix or --from-key: only count the keys that would be deleted'),
      f('from-key', 'bool', 'false', 'delete keys that are greater than or equal to the given key using byte compare'),
      f('prefix', 'bool', 'false', 'delete keys with matching prefix'),
      f('prev-kv', 'bool', 'false', 'return deleted key-value pairs'),
      f('yes', 'bool', 'false', 'with --prefix or --from-key: delete without asking for confirmation'),
    ],
    true,
  ),
  c('txn', 'txn [options]', 'Txn processes all the requests in one transaction', [f('interactive', 'bool', 'false', 'Input transaction in interactive mode', 'i')], true),
  c(
    'compaction',
    'compaction [options] <revision>',
    'Compacts the event history in etcd',
    [f('physical', 'bool', 'false', "'true' to wait for compaction to physically remove all old revisions")],
    true,
  ),
  c('watch', 'watch [options] [key or prefix] [range_end]', 'Watches events stream on keys or prefixes', [
    f('prefix', 'bool', 'false', 'Watch on a prefix if prefix is set'),
    f('prev-kv', 'bool', 'false', 'get the previous key-value pair before the event happens'),
    f('progress-notify', 'bool', 'false', 'get periodic watch progress notification from server'),
    f('rev', 'int', '0', 'Revision to start watching'),
  ]),
  c('lease grant', 'grant <ttl>', 'Creates leases', [], true),
  c('lease revoke', 'revoke <leaseID>', 'Revokes leases', [], true),
  c('lease timetolive', 'timetolive <leaseID> [options]', 'Get lease information', [f('keys', 'bool', 'false', 'Get keys attached to this lease')]),
  c('lease list', 'list', 'List all active leases'),
  c(
    'lease keep-alive',
    'keep-alive [options] <leaseID>',
    'Keeps leases alive (renew)',
    [f('once', 'bool', 'false', 'Resets the keep-alive time to its original value and exits immediately')],
    true,
  ),
  c('member list', 'list', 'Lists all members in the cluster'),
  c('member add', 'add <memberName> [options]', 'Adds a member into the cluster', [f('learner', 'bool', 'false', 'indicates if the new member is raft learner'), PEER_URLS], true),
  c(
    'member remove',
    'remove <memberID>',
    'Removes a member from the cluster',
    [f('force', 'bool', 'false', 'remove the member even when the cluster would lose its quorum (etcd-monitor guard rail)')],
    true,
  ),
  c('member update', 'update <memberID> [options]', 'Updates a member in the cluster', [PEER_URLS], true),
  c('member promote', 'promote <memberID>', 'Promotes a non-voting member in the cluster', [], true),
  c('endpoint status', 'status', 'Prints out the status of endpoints specified in `--endpoints` flag', [CLUSTER]),
  c('endpoint health', 'health', 'Checks the healthiness of endpoints specified in `--endpoints` flag', [CLUSTER]),
  c('endpoint hashkv', 'hashkv', 'Prints the KV history hash for each endpoint in --endpoints', [
    CLUSTER,
    f('rev', 'int', '0', 'maximum revision to hash (default: all revisions)'),
  ]),
  c(
    'defrag',
    'defrag',
    'Defragments the storage of the etcd members with given endpoints',
    [CLUSTER, f('force', 'bool', 'false', 'with --cluster: defragment even while the cluster is degraded (etcd-monitor guard rail)')],
    true,
  ),
  c('alarm list', 'list', 'Lists all alarms'),
  c('alarm disarm', 'disarm', 'Disarms all alarms', [], true),
  c('snapshot save', 'save <filename>', 'Stores an etcd node backend snapshot to a given file'),
  c('move-leader', 'move-leader <transferee-member-id>', 'Transfers leadership to another etcd cluster member.', [], true),
  c('user list', 'list', 'Lists all users'),
  c('user get', 'get <user name> [options]', 'Gets detailed information of a user', [f('detail', 'bool', 'false', 'Show permissions of roles granted to the user')]),
  c(
    'user add',
    'add <user name or user:password> [options]',
    'Adds a new user',
    [
      f('interactive', 'bool', 'true', 'Read password from stdin instead of interactive terminal'),
      f('new-user-password', 'string', '', 'Supply password from the command line flag'),
      f('no-password', 'bool', 'false', 'Create a user without password (CN based auth only)'),
    ],
    true,
  ),
  c('user delete', 'delete <user name>', 'Deletes a user', [], true),
  c(
    'user passwd',
    'passwd <user name> [options]',
    'Changes password of user',
    [f('interactive', 'bool', 'true', 'If true, read password from stdin instead of interactive terminal')],
    true,
  ),
  c('user grant-role', 'grant-role <user name> <role name>', 'Grants a role to a user', [], true),
  c('user revoke-role', 'revoke-role <user name> <role name>', 'Revokes a role from a user', [], true),
  c('role list', 'list', 'Lists all roles'),
  c('role get', 'get <role name>', 'Gets detailed information of a role'),
  c('role add', 'add <role name>', 'Adds a new role', [], true),
  c('role delete', 'delete <role name>', 'Deletes a role', [], true),
  c(
    'role grant-permission',
    'grant-permission [options] <role name> <permission type> <key> [endkey]',
    'Grants a key to a role',
    [
      f('from-key', 'bool', 'false', 'grant a permission of keys that are greater than or equal to the given key using byte compare'),
      f('prefix', 'bool', 'false', 'grant a prefix permission'),
    ],
    true,
  ),
  c(
    'role revoke-permission',
    'revoke-permission <role name> <key> [endkey]',
    'Revokes a key from a role',
    [
      f('from-key', 'bool', 'false', 'revoke a permission of keys that are greater than or equal to the given key using byte compare'),
      f('prefix', 'bool', 'false', 'revoke a prefix permission'),
    ],
    true,
  ),
  c('auth status', 'status', 'Returns authentication status'),
  c('auth enable', 'enable', 'Enables authentication', [], true),
  c('auth disable', 'disable', 'Disables authentication', [], true),
  c('version', 'version', 'Prints the version of etcdctl'),
];

/** CTL_GROUPS are the commands that only group subcommands (`member`, `lease`…). */
export const CTL_GROUPS = [...new Set(CTL_COMMANDS.filter((x) => x.path.includes(' ')).map((x) => x.path.split(' ')[0]!))];

/** CtlParsed is a command line etcdctl would accept: the command, its positional arguments and every flag's value. */
export interface CtlParsed {
  /** ok marks success. */
  ok: true;
  /** command is the command's spec. */
  command: CtlCommand;
  /** args are the positional arguments. */
  args: string[];
  /** flags holds every flag given, by long name: booleans as booleans, string slices as arrays, the rest as text (int64 exact). */
  flags: Record<string, string | boolean | string[]>;
  /** given lists the flags that were set on the command line (as opposed to defaults). */
  given: string[];
}

/** CtlParseError is a command line etcdctl refuses (or a help request): what to print and the exit code. */
export interface CtlParseError {
  /** ok marks failure. */
  ok: false;
  /** exitCode is etcdctl's: 1 for an unknown flag or command, 0 for --help. */
  exitCode: number;
  /** error is the message etcdctl prints after `Error: ` on stderr; empty for --help. */
  error: string;
  /** usage is the command's usage text, which etcdctl prints on stdout with the error. */
  usage: string;
}

const ALL_BY_PATH = new Map(CTL_COMMANDS.map((x) => [x.path, x]));

// Flags that take a value, in any command, as typed: to find the command word before knowing the command.
const TAKES_VALUE = new Set(
  [...CTL_GLOBAL_FLAGS, ...CTL_COMMANDS.flatMap((x) => x.flags)].filter((x) => x.type !== 'bool').flatMap((x) => [`--${x.name}`, ...(x.short ? [`-${x.short}`] : [])]),
);

/** ctlUsage renders a command's usage in etcdctl's layout (NAME, USAGE, OPTIONS, GLOBAL OPTIONS); `prog` is the program as typed. */
export function ctlUsage(cmd: CtlCommand | string, prog = 'etcdctl'): string {
  if (typeof cmd === 'string') {
    const subs = CTL_COMMANDS.filter((x) => (cmd === '' ? true : x.path.startsWith(`${cmd} `)));
    const lines = [
      'NAME:',
      `\t${cmd || prog} - ${cmd ? `${cmd} related commands` : 'A simple command line client for etcd3.'}`,
      '',
      'USAGE:',
      `\t${prog} ${cmd ? `${cmd} ` : ''}<subcommand>`,
      '',
      'COMMANDS:',
    ];
    const width = Math.max(...subs.map((x) => x.path.length - (cmd ? cmd.length + 1 : 0)));
    for (const s of subs) lines.push(`\t${s.path.slice(cmd ? cmd.length + 1 : 0).padEnd(width)}\t${s.short}`);
    return `${lines.join('\n')}\n\n`;
  }
  const parent = cmd.path.includes(' ') ? `${cmd.path.split(' ')[0]} ` : '';
  const opt = (fl: CtlFlag) => {
    const name = `${fl.short ? `-${fl.short}, ` : '    '}--${fl.name}${fl.type === 'bool' ? `[=${fl.def}]` : fl.type === 'strings' ? `=${fl.def}` : fl.type === 'string' ? `="${fl.def}"` : `=${fl.def}`}`;
    return `  ${name.padEnd(40)}\t${fl.help}`;
  };
  const lines = ['NAME:', `\t${cmd.path} - ${cmd.short}`, '', 'USAGE:', `\t${prog} ${parent}${cmd.use} [flags]`, ''];
  lines.push('OPTIONS:', ...[...cmd.flags, f('help', 'bool', 'false', `help for ${cmd.path.split(' ').at(-1)}`, 'h')].sort((a, b) => a.name.localeCompare(b.name)).map(opt), '');
  lines.push('GLOBAL OPTIONS:', ...CTL_GLOBAL_FLAGS.map(opt), '');
  return `${lines.join('\n')}\n`;
}

/**
 * parseCtl parses an etcdctl command line (without the program name) the way etcdctl's cobra/pflag does. It checks
 * the flags and their value types; the argument rules of each command (how many, which combinations) are checked by
 * the command itself, as etcdctl does, with etcdctl's messages and exit code 128.
 */
export function parseCtl(argv: string[], prog = 'etcdctl'): CtlParsed | CtlParseError {
  const words: string[] = [];
  const raw: Array<{ flag: string; value: string | undefined; short: boolean }> = [];
  let help = false;
  // The command path is found first (flags may come before it), so a flag's arity is known from the command's spec.
  const positional: string[] = [];
  let dashdash = -1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      dashdash = i;
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      if (!a.includes('=') && TAKES_VALUE.has(a)) i++;
      continue;
    }
    positional.push(a);
  }
  let command: CtlCommand | undefined;
  if (positional.length && ALL_BY_PATH.has(`${positional[0]} ${positional[1] ?? ''}`.trim())) command = ALL_BY_PATH.get(`${positional[0]} ${positional[1]}`);
  if (!command && positional.length && ALL_BY_PATH.has(positional[0]!) && !CTL_GROUPS.includes(positional[0]!)) command = ALL_BY_PATH.get(positional[0]!);
  const flagsFor = command ? [...command.flags, ...CTL_GLOBAL_FLAGS] : CTL_GLOBAL_FLAGS;
  const byLong = new Map(flagsFor.map((x) => [x.name, x]));
  const byShort = new Map(flagsFor.filter((x) => x.short).map((x) => [x.short!, x]));
  const usage = () => (command ? ctlUsage(command, prog) : ctlUsage(CTL_GROUPS.includes(positional[0] ?? '') ? positional[0]! : '', prog));
  const fail = (error: string, exitCode = 1): CtlParseError => ({ ok: false, exitCode, error, usage: usage() });

  const end = dashdash === -1 ? argv.length : dashdash;
  for (let i = 0; i < end; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') {
      words.push(a);
      continue;
    }
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    let spec: CtlFlag | undefined;
    let value: string | undefined;
    let name: string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      if (eq !== -1) value = a.slice(eq + 1);
      spec = byLong.get(name);
      if (!spec) return fail(`unknown flag: --${name}`);
    } else {
      name = a[1]!;
      spec = byShort.get(name);
      if (!spec) return fail(`unknown shorthand flag: '${name}' in ${a}`);
      if (a.length > 2) value = a[2] === '=' ? a.slice(3) : a.slice(2);
    }
    if (value === undefined && spec.type !== 'bool') {
      if (i + 1 >= end) return fail(`flag needs an argument: ${a.startsWith('--') ? `--${spec.name}` : `'${spec.short}' in -${spec.short}`}`);
      value = argv[++i]!;
    }
    raw.push({ flag: spec.name, value, short: !a.startsWith('--') });
  }
  if (dashdash !== -1) words.push(...argv.slice(dashdash + 1));

  if (!command) {
    const group = words[0];
    if (help || words.length === 0 || (group !== undefined && CTL_GROUPS.includes(group) && words.length === 1)) {
      return { ok: false, exitCode: 0, error: '', usage: usage() };
    }
    // etcdctl prints no usage for an unknown command, only the error.
    if (group !== undefined && CTL_GROUPS.includes(group)) return { ...fail(`unknown command "${words[1]}" for "${prog} ${group}"`), usage: '' };
    return { ...fail(`unknown command "${group}" for "${prog}"`), usage: '' };
  }
  if (help) return { ok: false, exitCode: 0, error: '', usage: usage() };
  const args = words.slice(command.path.split(' ').length);

  const flags: Record<string, string | boolean | string[]> = {};
  for (const fl of flagsFor) flags[fl.name] = defaultValue(fl);
  const given: string[] = [];
  for (const r of raw) {
    const spec = byLong.get(r.flag)!;
    const shown = r.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
    const v = r.value;
    switch (spec.type) {
      case 'bool': {
        const parsed = v === undefined ? true : parseGoBool(v);
        if (parsed === undefined) return fail(`invalid argument "${v}" for "${shown}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
        flags[spec.name] = parsed;
        break;
      }
      case 'int':
      case 'uint': {
        const ok = spec.type === 'int' ? /^[+-]?\d+$/.test(v!) : /^\+?\d+$/.test(v!);
        const fn = spec.type === 'int' ? 'strconv.ParseInt' : 'strconv.ParseUint';
        if (!ok) return fail(`invalid argument "${v}" for "${shown}" flag: ${fn}: parsing "${v}": invalid syntax`);
        const n = BigInt(v!);
        if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return fail(`invalid argument "${v}" for "${shown}" flag: ${fn}: parsing "${v}": value out of range`);
        flags[spec.name] = n.toString();
        break;
      }
      case 'strings': {
        const prev = given.includes(spec.name) ? (flags[spec.name] as string[]) : [];
        flags[spec.name] = [...prev, ...v!.split(',').filter((x) => x !== '')];
        break;
      }
      case 'duration':
        if (!/^([0-9.]+(ns|us|µs|ms|s|m|h))+$/.test(v!) && v !== '0') return fail(`invalid argument "${v}" for "${shown}" flag: time: invalid duration "${v}"`);
        flags[spec.name] = v!;
        break;
      default:
        flags[spec.name] = v!;
    }
    if (!given.includes(spec.name)) given.push(spec.name);
  }
  return { ok: true, command, args, flags, given };
}

function defaultValue(fl: CtlFlag): string | boolean | string[] {
  if (fl.type === 'bool') return fl.def === 'true';
  if (fl.type === 'strings')
    return fl.def
      .replace(/^\[|\]$/g, '')
      .split(',')
      .filter(Boolean);
  return fl.def;
}

/** parseGoBool reads a boolean as Go's strconv.ParseBool does; undefined when it is not one. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** ctlCompletions lists the commands and flags that complete `partial` (the console's autocompletion). */
export function ctlCompletions(line: string): string[] {
  const words = line.split(/\s+/);
  const last = words.at(-1) ?? '';
  const before = words.slice(0, -1).filter((w) => !w.startsWith('-'));
  if (last.startsWith('-')) {
    const cmd = ALL_BY_PATH.get(before.slice(0, 2).join(' ')) ?? ALL_BY_PATH.get(before[0] ?? '');
    return [...(cmd?.flags ?? []), ...CTL_GLOBAL_FLAGS].map((x) => `--${x.name}`).filter((x) => x.startsWith(last));
  }
  if (before.length === 0) return [...new Set(CTL_COMMANDS.map((x) => x.path.split(' ')[0]!))].filter((x) => x.startsWith(last));
  if (before.length === 1 && CTL_GROUPS.includes(before[0]!)) {
    return CTL_COMMANDS.filter((x) => x.path.startsWith(`${before[0]} `))
      .map((x) => x.path.split(' ')[1]!)
      .filter((x) => x.startsWith(last));
  }
  return [];
}
