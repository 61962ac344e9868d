// `[basic] user` and `group`: names are looked up in /etc/passwd and /etc/group (os.userInfo only knows the current user),
// and a worker started as root switches to them once its listeners are bound.
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConfigIssue } from './config/fields.ts';
import { closeMatch } from './config/suggest.ts';

/** Account is one line of /etc/passwd or /etc/group: a name and its numeric id (for a user, also its primary group). */
export interface Account {
  name: string;
  id: number;
  gid: number;
}

function readDb(file: string): Account[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Account[] = [];
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    // passwd: name:x:uid:gid:…  group: name:x:gid:members
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, id: Number(f[2]), gid: /^\d+$/.test(f[3] ?? '') ? Number(f[3]) : Number(f[2]) });
  }
  return out;
}

/** accountDbs are the files looked up; tests may point them elsewhere. */
export const accountDbs = { passwd: '/etc/passwd', group: '/etc/group' };

/** lookupUser returns the /etc/passwd entry of a user name (or of a numeric uid written as a string). */
export function lookupUser(name: string): Account | undefined {
  const all = readDb(accountDbs.passwd);
  return all.find((a) => a.name === name) ?? (/^\d+$/.test(name) ? (all.find((a) => a.id === Number(name)) ?? { name, id: Number(name), gid: Number(name) }) : undefined);
}

/** lookupGroup returns the /etc/group entry of a group name (or of a numeric gid written as a string). */
export function lookupGroup(name: string): Account | undefined {
  const all = readDb(accountDbs.group);
  return all.find((a) => a.name === name) ?? (/^\d+$/.test(name) ? (all.find((a) => a.id === Number(name)) ?? { name, id: Number(name), gid: Number(name) }) : undefined);
}

/** validateAccounts reports a `user` or `group` that does not exist, with its key path and a did-you-mean hint. */
export function validateAccounts(basic: { user?: string | undefined; group?: string | undefined }, issues: ConfigIssue[]): void {
  if (basic.user !== undefined && !lookupUser(basic.user)) {
    issues.push({
      path: 'basic.user',
      message: `unknown user "${basic.user}"`,
      hint:
        closeMatch(
          basic.user,
          readDb(accountDbs.passwd).map((a) => a.name),
        ) ?? `no such user in ${accountDbs.passwd}`,
    });
  }
  if (basic.group !== undefined && !lookupGroup(basic.group)) {
    issues.push({
      path: 'basic.group',
      message: `unknown group "${basic.group}"`,
      hint:
        closeMatch(
          basic.group,
          readDb(accountDbs.group).map((a) => a.name),
        ) ?? `no such group in ${accountDbs.group}`,
    });
  }
}

/** PrivilegePlan is what `user`/`group` ask of this process. */
export type PrivilegePlan =
  | { action: 'none' }
  /** switch: the process is root and changes to these ids. */
  | { action: 'switch'; uid: number | undefined; gid: number; user: string | undefined }
  /** ignore: the process is not root and cannot change; `reason` says what was asked (empty when it already runs as asked). */
  | { action: 'ignore'; reason: string };

/** planPrivileges decides what `user`/`group` mean for the current process (a group alone keeps the user; a user alone takes its primary group). */
export function planPrivileges(basic: { user?: string | undefined; group?: string | undefined }): PrivilegePlan {
  if (basic.user === undefined && basic.group === undefined) return { action: 'none' };
  const u = basic.user === undefined ? undefined : lookupUser(basic.user);
  const g = basic.group === undefined ? undefined : lookupGroup(basic.group);
  if ((basic.user !== undefined && !u) || (basic.group !== undefined && !g)) return { action: 'ignore', reason: 'unknown user or group' };
  const gid = g?.id ?? u!.gid;
  if (!process.getuid) return { action: 'ignore', reason: '' };
  if (process.getuid() === 0) return { action: 'switch', uid: u?.id, gid, user: u?.name };
  const differs: string[] = [];
  if (u && u.id !== process.geteuid!()) differs.push(`user "${basic.user}"`);
  if (g && g.id !== process.getegid!()) differs.push(`group "${basic.group}"`);
  return { action: 'ignore', reason: differs.join(' and ') };
}

/**
 * dropPrivileges switches a root process to `group` then `user`: supplementary groups are replaced by the user's own
 * (initgroups, as nginx does) or set to just the group when no user is given, then the gid, then the uid. It throws when a call fails,
 * since a process that asked to drop root must not carry on as root. `ownFiles` (access logs opened as root) are
 * chowned first. It returns what it did, for the log.
 */
export function dropPrivileges(basic: { user?: string | undefined; group?: string | undefined }, ownFiles: string[] = []): { uid: number; gid: number } | undefined {
  const plan = planPrivileges(basic);
  if (plan.action !== 'switch') return undefined;
  // Files created as root that the worker keeps writing (access logs, reopened on rotation) are handed over, as nginx does.
  for (const f of ownFiles) {
    try {
      chownSync(f, plan.uid ?? -1, plan.gid);
    } catch {
      // not ours to change (another filesystem, gone): appending through the open descriptor still works
    }
  }
  // Node reads NODE_EXTRA_CA_CERTS when the first TLS context of the process is made, which is usually after the switch
  // (a TLS upstream's first connection, a plugin's https sub-request): the file is often readable by root only, and the
  // switched worker then verified upstreams without it (DEPTH_ZERO_SELF_SIGNED_CERT, one warning per worker). Made here,
  // while still root, the process's root store keeps those certificates.
  if (process.env.NODE_EXTRA_CA_CERTS) process.getBuiltinModule('node:tls').createSecureContext();
  // process.initgroups exists on POSIX but is missing from @types/node.
  const initgroups = (process as { initgroups?: (user: string | number, extraGroup: string | number) => void }).initgroups;
  if (plan.user !== undefined && initgroups) initgroups.call(process, plan.user, plan.gid);
  else process.setgroups!([plan.gid]);
  process.setgid!(plan.gid);
  if (plan.uid !== undefined) process.setuid!(plan.uid);
  return { uid: process.getuid!(), gid: process.getgid!() };
}

/**
 * prepareLogFiles creates the log files that do not exist yet and hands them to the account the workers switch to, as
 * nginx's master opens the log files for its workers: a switched worker cannot create a file in a root-owned directory,
 * so a reload naming a new access log would fail in every worker. It returns the files it could not prepare, with why.
 */
export function prepareLogFiles(basic: { user?: string | undefined; group?: string | undefined }, files: string[]): { file: string; error: string }[] {
  const plan = planPrivileges(basic);
  if (plan.action !== 'switch') return [];
  const failed: { file: string; error: string }[] = [];
  for (const file of files) {
    if (existsSync(file)) continue;
    try {
      mkdirSync(dirname(file), { recursive: true });
      closeSync(openSync(file, 'a', 0o640));
      chownSync(file, plan.uid ?? -1, plan.gid);
    } catch (err) {
      failed.push({ file, error: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
  }
  return failed;
}
