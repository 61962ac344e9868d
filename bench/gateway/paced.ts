// Open-loop load at a fixed rate, for bench/gateway/latency.ts: `node paced.ts <port> <rate> <seconds> [connections]`.
// Request i is due at start + i/rate whether or not earlier ones were answered; it goes out on a free keep-alive
// connection or waits for one, and its latency counts from when it was due, so a stall of the server shows up in every
// request it held back (no coordinated omission). The schedule is kept by spinning on setImmediate, so sends leave
// within a few µs of their time instead of in 1 ms timer bursts; the process is meant to run pinned to the load core.
// Prints one JSON line: {sent, done, errors, p50, p90, p99, p999, max} (latencies in ms).
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { HTTPParser, type Parser } from '../../packages/gateway/src/http1/llhttp.ts';
import { LogLinear } from './hdr.ts';

const [portArg, rateArg, secondsArg, connsArg] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const conns = Number(connsArg ?? Math.max(16, Math.ceil(rate / 500)));
const REQ = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');

interface Conn {
  sock: net.Socket;
  /** due are the intended send times of the requests written on this connection and not yet answered (one at a time). */
  due: number;
  busy: boolean;
}

const hist = new LogLinear();
const free: Conn[] = [];
const waiting: number[] = [];
let sent = 0;
let done = 0;
let errors = 0;

function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(c));
    const c: Conn = { sock, due: 0, busy: false };
    const p: Parser = new HTTPParser();
    p.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    p[HTTPParser.kOnHeadersComplete] = (_a: number, _b: number, _h: unknown, _m: unknown, _u: unknown, status: number) => {
      if (status !== 200) errors++;
      return 0;
    };
    p[HTTPParser.kOnMessageComplete] = () => {
      hist.record((performance.now() - c.due) * 1000);
      done++;
      c.busy = false;
      const next = waiting.shift();
      if (next !== undefined) send(c, next);
      else free.push(c);
    };
    sock.on('data', (d: Buffer) => {
      if (typeof p.execute(d) !== 'number') {
        errors++;
        sock.destroy();
      }
    });
    sock.on('error', (e) => {
      errors++;
      reject(e);
    });
  });
}

function send(c: Conn, due: number): void {
  c.busy = true;
  c.due = due;
  sent++;
  c.sock.write(REQ);
}

const all = await Promise.all(Array.from({ length: conns }, open));
free.push(...all);
const interval = 1000 / rate;
const t0 = performance.now() + 5;
const end = t0 + seconds * 1000;
let i = 0;

await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now();
    for (let due = t0 + i * interval; due <= now && due < end; due = t0 + ++i * interval) {
      const c = free.pop();
      if (c) send(c, due);
      else waiting.push(due);
    }
    if (now >= end) return resolve();
    setImmediate(tick);
  };
  tick();
});
// Answers still due get up to 2 s (a request held longer than that counts as an error).
const deadline = performance.now() + 2000;
while ((done < sent || waiting.length > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
errors += sent - done + waiting.length;
for (const c of all) c.sock.destroy();
const q = (p: number) => +(hist.percentile(p) / 1000).toFixed(3);
console.log(JSON.stringify({ sent: sent + waiting.length, done, errors, p50: q(50), p90: q(90), p99: q(99), p999: q(99.9), max: +(hist.max / 1000).toFixed(3) }));
