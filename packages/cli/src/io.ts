import type { Command } from 'commander';
import { AppError } from '@etcd-monitor/core';

/** CliIo is where a command writes and what environment it reads; tests pass their own. */
export interface CliIo {
  /** out receives the command's result. */
  out: NodeJS.WritableStream;
  /** err receives diagnostics. */
  err: NodeJS.WritableStream;
  /** env is the environment the command reads ETCDCTL_* variables from. */
  env: NodeJS.ProcessEnv;
  /** in is where commands read input (a txn, a value, a confirmation); process.stdin when absent. */
  in?: NodeJS.ReadableStream;
}

/** RegisterCommand adds one command to the program; `setExit` records the exit code the command wants. */
export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

/** UsageError is a mistake in how the command was called: it exits with code 2. */
export class UsageError extends AppError {
  constructor(message: string, opts: { hint?: string; field?: string } = {}) {
    super('CLI_USAGE', message, opts);
    this.name = 'UsageError';
  }
}
