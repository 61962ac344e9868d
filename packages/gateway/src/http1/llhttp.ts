// Node's own HTTP/1.1 parser (llhttp, the one node:http uses), reached through `node:_http_common`. The gateway's HTTP/1.1
// data path drives it directly on raw sockets: node:http's IncomingMessage/ServerResponse machinery and undici's client
// cost about half of a core's throughput (docs/gateway.md, Benchmark).
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const common: unknown = createRequire(import.meta.url)('node:_http_common');

/** Parser is the native llhttp binding; callbacks are set by index (HTTPParser.kOn*). */
export interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(b: Buffer): number | ParseError;
  finish(): number | ParseError | undefined;
  consume(handle: object): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  close(): void;
  free(): void;
  remove(): void;
  [k: number]: unknown;
}

/** ParseError is what execute() returns for a malformed message. */
export interface ParseError extends Error {
  code: string;
  reason?: string;
  bytesParsed?: number;
}

interface ParserClass {
  new (): Parser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kOnTimeout: number;
}

const c = common as unknown as {
  HTTPParser: ParserClass;
  methods: string[];
  _checkInvalidHeaderChar(v: string): boolean;
  _checkIsHttpToken(v: string): boolean;
};

export const HTTPParser = c.HTTPParser;
/** METHODS maps llhttp's method index to its name. */
export const METHODS = c.methods;
/** invalidHeaderValue tells whether a header value holds a character HTTP forbids (CR, LF, NUL, other controls). */
export const invalidHeaderValue = c._checkInvalidHeaderChar;
/** isToken tells whether a string is a valid header name. */
export const isToken = c._checkIsHttpToken;

/** StreamHandle is the native handle of a net/tls socket. */
export interface StreamHandle {
  isStreamBase?: boolean;
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

/** handleOf returns a socket's native handle when the parser can read from it directly (plain TCP and TLS sockets). */
export function handleOf(sock: Socket): StreamHandle | undefined {
  const h = (sock as unknown as { _handle: StreamHandle | null })._handle;
  return h && h.isStreamBase ? h : undefined;
}

/** readStop stops reading from a consumed socket (backpressure); readStart resumes it. */
export function readStop(sock: Socket): void {
  const h = handleOf(sock);
  if (h && h.reading) {
    h.reading = false;
    h.readStop();
  } else if (!h) sock.pause();
}

/** readStart resumes reading from a socket stopped by readStop. */
export function readStart(sock: Socket): void {
  const h = handleOf(sock);
  if (h && !h.reading && !sock.destroyed) {
    h.reading = true;
    h.readStart();
  } else if (!h) sock.resume();
}

/**
 * attach feeds a socket into a parser: straight from the native handle when possible (no 'data' events, no Buffer per
 * read, as node:http does), through 'data' events otherwise. `onExecute` gets execute()'s result after each read.
 */
export function attach(sock: Socket, p: Parser, onExecute: (r: number | ParseError, chunk: Buffer | undefined) => void): void {
  const h = handleOf(sock);
  if (h) {
    p.consume(h);
    p[HTTPParser.kOnExecute] = (r: number | ParseError) => onExecute(r, undefined);
    // Flowing mode starts the native reads (and lets the socket see EOF); the bytes go to the parser, never to 'data'.
    sock.resume();
    return;
  }
  sock.on('data', (d: Buffer) => onExecute(p.execute(d), d));
}

/** detach gives a socket back to its JavaScript stream, e.g. after an upgrade. */
export function detach(sock: Socket, p: Parser): void {
  if (handleOf(sock)) p.unconsume();
}
