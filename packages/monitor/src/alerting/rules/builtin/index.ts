import type { Rule } from '../rule.ts';
import { DATABASE_RULES } from './database.ts';
import { DISK_RULES } from './disk.ts';
import { MEMBER_RULES } from './members.ts';
import { NETWORK_RULES } from './network.ts';
import { PROCESS_RULES } from './process.ts';
import { RAFT_RULES } from './raft.ts';
import { REQUEST_RULES } from './requests.ts';

/** BUILTIN_RULES is the built-in etcd rule pack, on by default; every family is listed here explicitly. */
export const BUILTIN_RULES: readonly Rule[] = [...MEMBER_RULES, ...REQUEST_RULES, ...NETWORK_RULES, ...DISK_RULES, ...RAFT_RULES, ...DATABASE_RULES, ...PROCESS_RULES];
