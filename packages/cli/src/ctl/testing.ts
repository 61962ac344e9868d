import { PassThrough } from 'node:stream';
import { runCtl } from './run.ts';

/** ctl runs `etcd-monitor ctl` in-process against the given endpoints, with `input` on stdin. */
export async function ctl(args: string[], o: { endpoints?: string[]; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const input = new PassThrough();
  input.end(o.input ?? '');
  const argv = o.endpoints ? ['--endpoints', o.endpoints.join(','), ...args] : args;
  const code = await runCtl(argv, { out, err, env: o.env ?? {}, in: input });
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}
