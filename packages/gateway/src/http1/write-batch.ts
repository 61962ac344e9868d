// Writes batched per event loop turn: on loopback a write runs the receiver's TCP stack and, when the receiver sleeps,
// wakes it with an inter-processor interrupt; written back to back at the end of the poll phase, most writes find it
// awake (docs/gateway.md, Data path). Used by both sides of the data path: the HTTP/1.1 server and the upstream pool.
//
// The batch is the gateway's own, not the socket's cork: corking costs ~0.4 KB of garbage per write (the Writable's
// buffered entries, the array it rebuilds at each uncork, writev's arrays; docs/gateway-latency.md). Here a socket's
// bytes of a turn wait in a list kept beside the socket and leave as one `write()`: several small pieces are copied into one
// buffer of the head slab first. Whoever writes to a batched socket outside this module (end(), an upgrade taking the
// socket over) calls flushWrites first, so nothing overtakes what waits here.
import type { Socket } from 'node:net';
import { headBegin, headEnd, headPut, headPutBytes } from './head-buffer.ts';
import { FreeList } from './free-list.ts';

/**
 * Out is a socket's bytes waiting for the end of the turn; kept beside the socket and reused while it is written to, and
 * given to a free list once the socket is idle (releaseWrites).
 */
interface Out {
  sock: Socket;
  /** bufs holds `n` buffers; slots past `n` are cleared, so nothing written stays referenced. */
  readonly bufs: (Buffer | undefined)[];
  n: number;
  bytes: number;
  /** direct is the number of direct writes (see writeDirect) the kernel has not taken yet. */
  direct: number;
}

// A batch leaves through the socket's native handle, as node:net's own write does underneath, but without the Writable's
// bookkeeping per write: node:net makes a WriteWrap, its fields, the Writable's state updates and a nextTick for the
// write's callback each time (~0.2 KB of garbage per write, two writes per proxied request). Here one write request
// object serves every write the kernel takes at once, which is nearly all of them on the data path.

/** WriteReq is Node's native write request (stream_wrap's WriteWrap), with the fields its completion reads. */
interface WriteReq {
  handle: Handle | null;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | null;
  /** out is the batch a write still in the kernel's queue belongs to. */
  out: Out | undefined;
}

/** Handle is a socket's native stream handle (TCP). */
interface Handle {
  writeBuffer(req: WriteReq, data: Buffer): number;
}

interface StreamWrap {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

/** streamWrap is Node's stream binding (the one node:net writes through); undefined where it cannot be reached. */
const streamWrap: StreamWrap | undefined = (() => {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrap> }).binding('stream_wrap');
    return typeof b.WriteWrap === 'function' && b.streamBaseState !== undefined && typeof b.kLastWriteWasAsync === 'number' ? (b as StreamWrap) : undefined;
  } catch {
    return undefined;
  }
})();

// The write request reused by writes the kernel took whole; one that stays queued keeps its own until it completes.
let spareReq: WriteReq | undefined;

function newReq(): WriteReq {
  const req = new streamWrap!.WriteWrap();
  req.handle = null;
  req.oncomplete = directDone;
  req.async = false;
  req.bytes = 0;
  req.buffer = null;
  req.out = undefined;
  return req;
}

/** directDone runs when a direct write the kernel queued is written (or cancelled: the socket was destroyed). */
function directDone(this: WriteReq, status: number): void {
  const o = this.out!;
  this.out = undefined;
  this.buffer = null;
  this.handle = null;
  o.direct--;
  if (status < 0 && !o.sock.destroyed) o.sock.destroy(Object.assign(new Error(`write failed (${status})`), { errno: status, syscall: 'write' }));
}

/**
 * writeDirect writes `data` straight to the socket's handle when nothing else waits to be written to it (its Writable
 * holds nothing, no direct write is queued): what the kernel does not take at once waits in libuv's queue, in order
 * before anything written later. Only one such write is ever outside the Writable's count (the next writes go through the
 * Writable while it waits), so backpressure still works. False when the socket must be written through its Writable.
 */
function writeDirect(o: Out, s: Socket, data: Buffer): boolean {
  const h = (s as unknown as { _handle: Handle | null })._handle;
  if (streamWrap === undefined || h === null || o.direct !== 0 || s.writableLength !== 0 || s.connecting || (s as { encrypted?: boolean }).encrypted === true) return false;
  const req = spareReq ?? (spareReq = newReq());
  req.handle = h;
  const err = h.writeBuffer(req, data);
  if (err !== 0) {
    req.handle = null;
    s.destroy(Object.assign(new Error(`write failed (${err})`), { errno: err, syscall: 'write' }));
    return true;
  }
  if (streamWrap.streamBaseState[streamWrap.kLastWriteWasAsync] !== 0) {
    // Queued: the request now belongs to this write until directDone.
    spareReq = undefined;
    req.buffer = data;
    req.out = o;
    o.direct++;
  } else req.handle = null;
  return true;
}

/** writesPending tells whether bytes handed over by this module still wait in the socket's native queue. */
export function writesPending(sock: Socket): boolean {
  const o = outs.get(sock);
  return o !== undefined && o.direct !== 0;
}

// Beside the socket, not on it: a property added to sockets changes their hidden class, and Node's socket and stream
// methods then deoptimise (see requestsOn in proxy/exchange.ts).
const outs = new WeakMap<Socket, Out>();

// The Outs of idle sockets (releaseWrites), for the next socket written to: an Out and its list are ~270 B, which
// 10,000 idle keep-alive connections would otherwise hold for their whole life (docs/gateway.md, Memory).
const freeOuts = new FreeList<Out>();

// What an Out in the free list refers to instead of its last socket (never read: outOf sets the next one).
const NO_SOCKET = Object.freeze({}) as unknown as Socket;

/** outOf is the socket's Out: its own, else one from the free list, else a new one. */
function outOf(sock: Socket): Out {
  let o = outs.get(sock);
  if (o !== undefined) return o;
  o = freeOuts.take();
  if (o === undefined) o = { sock, bufs: [], n: 0, bytes: 0, direct: 0 };
  else o.sock = sock;
  outs.set(sock, o);
  return o;
}

/**
 * releaseWrites gives the socket's Out to the free list when nothing of it waits (no bytes in the batch, no direct write
 * in the kernel's queue); the HTTP/1.1 server's sweep calls it for idle connections, so that what the batch keeps is
 * bounded by sockets being written to, not by connections. A later write takes an Out again. An Out still listed in the
 * turn's batch with nothing in it (flushed early) is skipped there whoever owns it by then.
 */
export function releaseWrites(sock: Socket): void {
  const o = outs.get(sock);
  if (o === undefined || o.n !== 0 || o.direct !== 0) return;
  outs.delete(sock);
  o.sock = NO_SOCKET;
  freeOuts.give(o);
}

/** holdsWrites tells whether the socket has an Out of its own (tests: an idle connection's is released). */
export function holdsWrites(sock: Socket): boolean {
  return outs.has(sock);
}

// Sockets with bytes waiting; `batchedN` of the slots are in use (the array keeps its capacity from turn to turn).
const batched: (Out | undefined)[] = [];
let batchedN = 0;
let batchScheduled = false;

// Pieces of a turn up to this many bytes in all are copied into one buffer (one write, no writev arrays).
const COALESCE = 16 * 1024;

function flushOut(o: Out): void {
  const s = o.sock;
  const n = o.n;
  if (n === 0) return;
  const bufs = o.bufs;
  if (!s.destroyed && s.writable) {
    if (n === 1) {
      if (!writeDirect(o, s, bufs[0]!)) s.write(bufs[0]!);
    } else if (o.bytes <= COALESCE) {
      headBegin(o.bytes);
      for (let i = 0; i < n; i++) headPutBytes(bufs[i]!);
      const b = headEnd();
      if (!writeDirect(o, s, b)) s.write(b);
    } else {
      s.cork();
      for (let i = 0; i < n; i++) s.write(bufs[i]!);
      s.uncork();
    }
  }
  for (let i = 0; i < n; i++) bufs[i] = undefined;
  o.n = 0;
  o.bytes = 0;
}

// A turn's batch costs a setImmediate (~0.4 KB of garbage in Node 24: the Immediate, its async context, the queue). With
// one request being answered in the whole process, no other socket can have bytes for the same turn: the batch of a
// read then leaves when that read is parsed (readDone) instead, as it would a moment later at the end of the poll phase.
let answering = 0;
/** inRead is set by a parser's callbacks during one read; the read's end (readDone) follows them. */
let inRead = false;
/** soloPending says the batch waits for readDone rather than an Immediate. */
let soloPending = false;

/** answeringBegins and answeringEnds count the requests being answered in this process (PipelinedConn). */
export function answeringBegins(): void {
  answering++;
}

/** answeringEnds: see answeringBegins. */
export function answeringEnds(): void {
  answering--;
}

/** answeringNow is the number of requests being answered (tests: it returns to 0 once every connection is done). */
export function answeringNow(): number {
  return answering;
}

/** readBegins is called by a parser callback (a head, body bytes, a message's end): readDone follows once the read is parsed. */
export function readBegins(): void {
  inRead = true;
}

/** readDone ends a read: a batch left for it (see answering) is written now. */
export function readDone(): void {
  inRead = false;
  if (soloPending) flushBatch();
}

function flushBatch(): void {
  batchScheduled = false;
  soloPending = false;
  // A socket batched while flushing (a write's callback) waits for the next turn's flush.
  const n = batchedN;
  batchedN = 0;
  for (let i = 0; i < n; i++) {
    const o = batched[i]!;
    batched[i] = undefined;
    flushOut(o);
  }
}

/**
 * queueWrite writes `data` at the end of this turn of the event loop (setImmediate), with everything else written to the
 * socket in this turn, as one write. It returns what `socket.write()` would: false once the socket's buffer, the batch
 * included, reaches its high-water mark — then the bytes go out at once, so the socket's own 'drain' follows.
 */
export function queueWrite(sock: Socket, data: Buffer): boolean {
  const o = outOf(sock);
  if (o.bytes + data.length + sock.writableLength >= sock.writableHighWaterMark) {
    flushOut(o);
    return sock.write(data);
  }
  if (o.n === 0) {
    batched[batchedN++] = o;
    if (batchScheduled || soloPending) {
      // already planned
    } else if (inRead && answering <= 1) soloPending = true;
    else {
      batchScheduled = true;
      setImmediate(flushBatch);
    }
  }
  o.bufs[o.n++] = data;
  o.bytes += data.length;
  return true;
}

/** queueLatin1 is queueWrite for a string sent as latin1 (one byte per character), copied into the head slab. */
export function queueLatin1(sock: Socket, s: string): boolean {
  headBegin(s.length);
  headPut(s);
  return queueWrite(sock, headEnd());
}

/** flushWrites writes what waits in the batch for `sock` now: before end(), or before the socket changes hands. */
export function flushWrites(sock: Socket): void {
  const o = outs.get(sock);
  if (o !== undefined) flushOut(o);
}

/** endAfterWrites ends the socket after what waits in its batch. */
export function endAfterWrites(sock: Socket, last?: string): void {
  flushWrites(sock);
  if (last === undefined) sock.end();
  else sock.end(last, 'latin1');
}
