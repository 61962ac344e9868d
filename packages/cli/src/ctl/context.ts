import type { CtlParsed } from '@etcd-monitor/core/parse';
import { CTL_EXIT } from '@etcd-monitor/core/parse';
import type { ConnectionOptions, EtcdRpc } from '@etcd-monitor/etcd';
import type { Printer } from '@etcd-monitor/etcd/etcdctl';
import type { CliIo } from '../io.ts';

/** CtlExit ends a ctl command with etcdctl's exit code and its `Error: …` line (empty: nothing more to print). */
export class CtlExit extends Error {
  /** code is the process exit code. */
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'CtlExit';
    this.code = code;
  }
}

/** badArgs is etcdctl's ExitBadArgs (128) with its message. */
export const badArgs = (m: string) => new CtlExit(CTL_EXIT.badArgs, m);

/** Ctx is what a command runs with: the parsed line, the output printer, the connection, and the process's io. */
export interface Ctx {
  p: CtlParsed;
  io: CliIo;
  out: Printer;
  flag(name: string): string;
  bool(name: string): boolean;
  conn(): ConnectionOptions;
  /** display are the endpoints as the user spelled them, for output; endpoints() are the URLs to dial. */
  display(): string[];
  /** rpc runs fn on the first endpoint that accepts a connection, as etcdctl's client does. */
  rpc<T>(fn: (r: EtcdRpc) => Promise<T>): Promise<T>;
  /** flush writes what the printer holds. */
  flush(): void;
  /** signal fires on Ctrl-C, for the streaming commands. */
  signal: AbortSignal;
  prog: string;
}
