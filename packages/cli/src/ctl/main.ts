import type { CliIo } from '../io.ts';
import { runCtl } from './run.ts';

/**
 * ctlMain runs `etcd-monitor ctl …` as a process: Ctrl-C ends a watch or a keep-alive cleanly (the stream is
 * cancelled) instead of killing the process mid-write. The bin calls it directly, without loading the other commands.
 */
export async function ctlMain(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr, env: process.env }): Promise<number> {
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    return await runCtl(argv, io, { signal: stop.signal });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
