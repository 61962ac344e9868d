// Writes batched per event loop turn: on loopback a write runs the receiver's TCP stack and, when the receiver sleeps,
// wakes it with an inter-processor interrupt; written back to back at the end of the poll phase, most writes find it
// awake (docs/gateway.md, Data path). Used by both sides of the data path: the HTTP/1.1 server and the upstream pool.
import type { Socket } from 'node:net';

const kBatched = Symbol('batched');
type Batched = Socket & { [kBatched]?: boolean };
const batched: Batched[] = [];
let batchScheduled = false;
function flushBatch(): void {
  batchScheduled = false;
  for (let i = 0; i < batched.length; i++) {
    const s = batched[i]!;
    s[kBatched] = false;
    s.uncork();
  }
  batched.length = 0;
}

/**
 * batchWrites corks a socket until the end of this turn of the event loop (setImmediate), so the writes of every request
 * answered in one poll phase leave back to back.
 */
export function batchWrites(sock: Socket): void {
  const s = sock as Batched;
  if (s[kBatched] === true) return;
  s[kBatched] = true;
  s.cork();
  batched.push(s);
  if (!batchScheduled) {
    batchScheduled = true;
    setImmediate(flushBatch);
  }
}
