// One HTTP/1.1 request as the connection parsed it: the fields of node:http's IncomingMessage the gateway reads, and its
// body as a stream made only when someone asks for it.
import type net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { readStart, readStop } from './llhttp.ts';

type Listener = Parameters<Readable['on']>[1];

// What a request waiting in the free list refers to instead of its last request's socket and headers (never read:
// init() sets the next one's).
const NO_SOCKET = Object.freeze({}) as unknown as net.Socket;
const NO_HEADERS = Object.freeze([]) as unknown as string[];

/** H1Request is one parsed request: the fields of node:http's IncomingMessage the gateway reads, and its body as a stream. */
export class H1Request {
  // Every field is set by init(), which also readies a request taken from the free list (PipelinedConn.recycle):
  // a field added here must be set there too (a test compares a reused request with a new one).
  method!: string;
  /** url is the request target; the proxy turns an absolute-form target into origin form (its authority becomes the Host). */
  url!: string;
  httpVersion!: string;
  rawHeaders!: string[];
  socket!: net.Socket;
  keepAlive!: boolean;
  /** upgrade is set for an Upgrade request (WebSocket). */
  upgrade!: boolean;
  /** hostHeader is the Host header, read while checking the head (so the hot path needs no headers object). */
  hostHeader!: string | undefined;
  /** connectionHeader is the Connection header (values joined). */
  connectionHeader!: string | undefined;
  /** hasBody is set when the request announces a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody!: boolean;
  /** expectContinue is set for `Expect: 100-continue`. */
  expectContinue!: boolean;
  /** complete is set once the whole message (body included) was read. */
  complete!: boolean;
  private hdrs!: IncomingHttpHeaders | undefined;
  private body!: Readable | undefined;
  /** dumped requests drop the rest of their body (the response went out without reading it). */
  dumped!: boolean;

  constructor(sock: net.Socket, method: string, url: string, version: string, raw: string[], keepAlive: boolean, upgrade: boolean) {
    this.init(sock, method, url, version, raw, keepAlive, upgrade);
  }

  /** init sets every field for a request just read (a new one, or one taken from the free list). */
  init(sock: net.Socket, method: string, url: string, version: string, raw: string[], keepAlive: boolean, upgrade: boolean): void {
    this.method = method;
    this.url = url;
    this.httpVersion = version;
    this.rawHeaders = raw;
    this.socket = sock;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
    this.hostHeader = undefined;
    this.connectionHeader = undefined;
    this.hasBody = false;
    this.expectContinue = false;
    this.complete = false;
    this.hdrs = undefined;
    this.body = undefined;
    this.dumped = false;
  }

  /**
   * letGo drops what the request refers to of its connection and its last request (socket, target, headers) as it goes
   * to the free list, so that a closed connection's socket and a request's header values (a cookie, credentials) do not
   * stay reachable until the next request takes it.
   */
  letGo(): void {
    this.url = '';
    this.rawHeaders = NO_HEADERS;
    this.socket = NO_SOCKET;
    this.hostHeader = undefined;
    this.connectionHeader = undefined;
    this.hdrs = undefined;
  }

  /** reusable tells whether nothing of the request can be read any more by what it was handed to: read whole, no body stream made. */
  get reusable(): boolean {
    return this.complete && this.body === undefined && !this.upgrade;
  }

  /** headers are built on first use, like node:http's (lower-case names; repeated values joined, set-cookie an array). */
  get headers(): IncomingHttpHeaders {
    if (this.hdrs) return this.hdrs;
    const h: Record<string, string | string[]> = {};
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      const v = raw[i + 1]!;
      const prev = h[k];
      if (prev === undefined) h[k] = k === 'set-cookie' ? [v] : v;
      else if (Array.isArray(prev)) prev.push(v);
      else h[k] = `${prev}${k === 'cookie' ? '; ' : ', '}${v}`;
    }
    return (this.hdrs = h as IncomingHttpHeaders);
  }

  /** stream is the request body (an empty, ended stream when there is none). */
  stream(): Readable {
    if (!this.body) {
      const sock = this.socket;
      this.body = new Readable({ read: () => readStart(sock) });
      // Errors reach whoever reads the body; an unread body must not crash the process.
      this.body.on('error', () => {});
      if (!this.hasBody || this.complete) this.body.push(null);
    }
    return this.body;
  }

  /** push receives a body chunk from the parser; a full stream buffer stops reading the socket. */
  push(b: Buffer): void {
    if (this.dumped) return;
    if (!this.stream().push(b)) readStop(this.socket);
  }

  /** end marks the body complete. */
  end(): void {
    this.complete = true;
    if (this.body && !this.dumped) this.body.push(null);
  }

  /** errored is the body's error (a malformed chunk), if any. */
  get errored(): Error | null {
    return this.body?.errored ?? null;
  }

  /** destroyed tells whether the body stream was torn down (the client left). */
  get destroyed(): boolean {
    return this.body?.destroyed ?? false;
  }

  get readableEnded(): boolean {
    return this.body?.readableEnded ?? (this.complete || !this.hasBody);
  }

  on(ev: string, fn: Listener): this {
    this.stream().on(ev, fn);
    return this;
  }

  once(ev: string, fn: Listener): this {
    this.stream().once(ev, fn);
    return this;
  }

  removeAllListeners(ev: string): this {
    this.stream().removeAllListeners(ev);
    return this;
  }

  pause(): this {
    this.stream().pause();
    return this;
  }

  resume(): this {
    this.stream().resume();
    return this;
  }
}
