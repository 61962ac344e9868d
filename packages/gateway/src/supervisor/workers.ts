import type { Worker } from 'node:cluster';
import type { Answer, Question, WorkerMessage } from './messages.ts';

/** WorkerState is what the supervisor knows of one worker process. */
export interface WorkerState {
  /** worker is the node:cluster worker. */
  worker: Worker;
  /** slot is the worker's place (0…threads-1), kept by the worker that replaces it. */
  slot: number;
  /** ready is true once the worker's gateway runs. */
  ready: boolean;
  /** version is the config version the worker runs. */
  version: number;
  /** startedAt is when the worker was forked (epoch ms). */
  startedAt: number;
}

/** Ask is a Question without its id, which `ask` assigns. */
export type Ask = Question extends infer Q ? (Q extends Question ? Omit<Q, 'id'> : never) : never;

/** WorkerPool holds the worker processes and asks them questions over IPC, each answered by id or timed out. */
export class WorkerPool {
  /** all are the workers alive now. */
  readonly all = new Map<Worker, WorkerState>();
  private seq = 0;
  private readonly pending = new Map<number, (m: Answer) => void>();

  /** send writes a message to a worker still connected, with a socket handle when given. */
  send(w: Worker, m: WorkerMessage, handle?: object): void {
    if (w.isConnected()) w.send(m, handle as never);
  }

  /** broadcast sends a message to every worker. */
  broadcast(m: WorkerMessage): void {
    for (const w of this.all.keys()) this.send(w, m);
  }

  /** ask sends a question and resolves with the answer, or undefined when none came within `ms`. */
  ask(w: Worker, q: Ask, ms = 10_000): Promise<Answer | undefined> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, ms);
      this.pending.set(id, (m) => {
        clearTimeout(t);
        this.pending.delete(id);
        resolve(m);
      });
      this.send(w, { ...q, id } as Question);
    });
  }

  /** answered hands a worker's answer to the question waiting for it. */
  answered(m: Answer): void {
    this.pending.get(m.id)?.(m);
  }

  /** ready lists the workers whose gateway runs. */
  ready(): WorkerState[] {
    return [...this.all.values()].filter((st) => st.ready);
  }
}
