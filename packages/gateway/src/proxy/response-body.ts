// The response body step: the location's responseBody hooks (compression, cache) get the final head and may each put a
// Transform in the body's way; BodyPipe then carries the body through them to the client as it arrives, with
// backpressure both ways. Locations without such hooks never reach this file.
import type { Readable, Transform } from 'node:stream';
import type { ResponseHead } from '../plugins/plugin.ts';
import type { Exchange } from './exchange.ts';
import { pluginFailure, type HookFailure } from './plugin-failure.ts';

/** hasBody tells whether a response to this request can carry a body (RFC 9110 §6.4.1). */
export function hasBody(method: string, status: number): boolean {
  return method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
}

/**
 * bodyStages asks the location's responseBody hooks, in chain order, for the streams the body goes through; undefined
 * when none wants it, a HookFailure when one threw (the caller answers 500 instead; stages made so far are destroyed).
 */
export function bodyStages(ex: Exchange, head: ResponseHead): Transform[] | HookFailure | undefined {
  let stages: Transform[] | undefined;
  for (const p of ex.loc!.responseBody) {
    let s: Transform | undefined;
    try {
      s = p.responseBody!(ex, head);
    } catch (err) {
      for (const made of stages ?? []) made.destroy();
      return { plugin: p, detail: pluginFailure(ex.rt, p, 'responseBody', err) };
    }
    if (s !== undefined) (stages ??= []).push(s);
  }
  return stages;
}

/** BodySink is where the body goes once through the stages: the client response, or a buffer (buffer_response). */
export interface BodySink {
  write(chunk: Buffer): boolean;
  once(ev: 'drain', fn: () => void): unknown;
}

/**
 * BodyPipe carries a body through its stages into a sink. `write` returns false when the first stage is full (wait for
 * `onDrain`); the last stage pauses while the sink is. `done` runs once the last stage ended, `failed` once when a stage
 * failed; `destroy` ends it early (the upstream failed, the client went away), which the stages see as an error.
 */
export class BodyPipe {
  private readonly first: Transform;
  private readonly stages: Transform[];
  private broken = false;
  private readonly failed: (err: Error) => void;

  constructor(ex: Exchange, stages: Transform[], sink: BodySink, done: () => void, failed: (err: Error) => void) {
    this.stages = stages;
    this.first = stages[0]!;
    this.failed = failed;
    for (let i = 0; i < stages.length; i++) {
      stages[i]!.on('error', (err: Error) => this.fail(err));
      if (i + 1 < stages.length) stages[i]!.pipe(stages[i + 1]!);
    }
    const last = stages[stages.length - 1]!;
    last.on('data', (chunk: Buffer) => {
      ex.bytesSent += chunk.length;
      if (!sink.write(chunk)) {
        last.pause();
        sink.once('drain', () => last.resume());
      }
    });
    last.once('end', () => {
      if (!this.broken) done();
    });
  }

  /** write passes one body chunk to the first stage; false asks the source to wait for onDrain. */
  write(chunk: Buffer): boolean {
    return this.broken ? true : this.first.write(chunk);
  }

  /** onDrain calls `fn` once the first stage takes chunks again. */
  onDrain(fn: () => void): void {
    this.first.once('drain', fn);
  }

  /** end says the body is complete. */
  end(): void {
    if (!this.broken) this.first.end();
  }

  /** destroy ends the pipe without the body being complete: every stage is destroyed with `err`. */
  destroy(err: Error): void {
    if (this.broken) return;
    this.broken = true;
    for (const s of this.stages) s.destroy(err);
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.destroy(err);
    this.failed(err);
  }
}

/** isReadable tells a streamed body from a whole one. */
export function isReadable(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === 'function';
}
