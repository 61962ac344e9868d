// Every message the supervisor and its workers exchange over IPC, typed in one place: the supervisor side
// (supervisor.ts, reload.ts, admin-backend.ts) and the worker side (worker.ts) both import it.
import type { ConfigIssue } from '../config/fields.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { HealthSnapshot } from '../upstream/shared-health.ts';
import type { UpstreamsStatus } from '../admin/backend.ts';
import type { LimitBatch, LimitResults } from '../plugins/limit/ipc.ts';

/** WorkerMessage is what the primary and workers exchange over IPC. */
export type WorkerMessage =
  /** hello: the worker listens for messages and waits for its config. */
  | { type: 'hello' }
  /** start: the config to start with (certificate and key files already read by the primary), the health verdicts, the worker's slot (0…threads-1) and how many workers there are. */
  | { type: 'start'; config: GatewayConfig; version: number; health: HealthSnapshot; slot: number; workers: number }
  /** health: new active health verdicts, checked once by the primary for all workers. */
  | { type: 'health'; snapshot: HealthSnapshot }
  | { type: 'ready' }
  /** bind: the worker asks for a listener's socket; `bound` answers with the handle attached, or the error code. */
  | { type: 'bind'; id: number; key: string; host: string; port: number }
  | { type: 'bound'; id: number; code?: string }
  | { type: 'reload'; id: number; config: GatewayConfig; version: number }
  /** reloaded: the worker's answer, with the same structured issues a gateway in one process reports. */
  | { type: 'reloaded'; id: number; ok: boolean; issues: ConfigIssue[] }
  | { type: 'metrics'; id: number }
  | { type: 'metrics-text'; id: number; text: string }
  | { type: 'upstreams'; id: number }
  | { type: 'upstreams-status'; id: number; status: UpstreamsStatus }
  /** limit: a worker's batch of limit counts for the supervisor, which counts for all workers; limit-results answers it. */
  | LimitBatch
  | LimitResults
  | { type: 'stop' };

/** Question is a message the supervisor sends expecting an answer with the same id. */
export type Question = Extract<WorkerMessage, { type: 'reload' | 'metrics' | 'upstreams' }>;

/** Answer is a worker's answer to a Question. */
export type Answer = Extract<WorkerMessage, { type: 'reloaded' | 'metrics-text' | 'upstreams-status' }>;

/** isAnswer tells whether a worker's message answers a question. */
export function isAnswer(m: WorkerMessage): m is Answer {
  return m.type === 'reloaded' || m.type === 'metrics-text' || m.type === 'upstreams-status';
}
