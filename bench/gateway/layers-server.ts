// One layer of the gateway's I/O stack, for bench/gateway/layers.ts: `node layers-server.ts <variant> <port> <upstreamPort>`.
//
//   http-fixed    node:http server answering a fixed body (the server side of node:http, no proxying)
//   raw-fixed     net server + Node's llhttp binding (HTTPParser) answering a fixed body
//   http-undici   node:http server + undici Pool dispatch() writing straight into the response (the old data path)
//   raw-proxy     net server + HTTPParser + a keep-alive pool of raw upstream sockets parsed with HTTPParser (RESPONSE)
//   raw-*-c       the raw variants with the parser reading from the socket handles (parser.consume), as node:http does
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
const common: unknown = createRequire(import.meta.url)('node:_http_common');

const [variant, portArg, upArg] = process.argv.slice(2);
const port = Number(portArg);
const upPort = Number(upArg);
const BODY = 'hello world';

type Parser = {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(b: Buffer): number | Error;
  finish(): void;
  [k: number]: unknown;
};
// raw-*-c variants let the parser read straight from the socket's handle (what node:http does) instead of 'data' events.
const consume = variant!.endsWith('-c');
const kind = consume ? variant!.slice(0, -2) : variant;
function feed(sock: net.Socket, p: Parser): void {
  const h = (sock as unknown as { _handle: { isStreamBase?: boolean } | null })._handle;
  if (consume && h?.isStreamBase) {
    (p as unknown as { consume(h: object): void }).consume(h);
    p[HTTPParser.kOnExecute] = (r: number | Error) => {
      if (typeof r !== 'number') sock.destroy();
    };
    sock.resume();
    return;
  }
  sock.on('data', (d: Buffer) => {
    const r = p.execute(d);
    if (typeof r !== 'number') sock.destroy();
  });
}
const { HTTPParser, methods } = common as unknown as {
  HTTPParser: {
    new (): Parser;
    REQUEST: number;
    RESPONSE: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
  };
  methods: string[];
};

if (variant === 'http-fixed') {
  http
    .createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
      res.end(BODY);
    })
    .listen(port, '127.0.0.1');
} else if (kind === 'raw-fixed') {
  const RESP = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`;
  net
    .createServer({ noDelay: true }, (sock) => {
      const p = new HTTPParser();
      p.initialize(HTTPParser.REQUEST, {}, 16384, 0);
      p[HTTPParser.kOnHeadersComplete] = () => 0;
      p[HTTPParser.kOnMessageComplete] = () => {
        sock.write(RESP);
      };
      feed(sock, p);
      sock.on('error', () => {});
    })
    .listen(port, '127.0.0.1');
} else if (variant === 'http-undici') {
  const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js');
  const pool = new Pool(`http://127.0.0.1:${upPort}`, { connections: null });
  http
    .createServer((req, res) => {
      pool.dispatch(
        { path: req.url, method: req.method, headers: req.rawHeaders, body: null },
        {
          onRequestStart() {},
          onResponseStart(_c: unknown, status: number, headers: Record<string, string>) {
            res.writeHead(status, headers);
          },
          onResponseData(_c: unknown, chunk: Buffer) {
            res.write(chunk);
          },
          onResponseEnd() {
            res.end();
          },
          onResponseError() {
            res.destroy();
          },
        },
      );
    })
    .listen(port, '127.0.0.1');
} else if (kind === 'raw-proxy') {
  // The prototype of the new data path: one upstream connection per in-flight request, reused when the response ends.
  interface Up {
    sock: net.Socket;
    p: Parser;
    onHead: ((status: number, headers: string[], keepAlive: boolean) => void) | undefined;
    onBody: ((b: Buffer) => void) | undefined;
    onEnd: (() => void) | undefined;
    keepAlive: boolean;
  }
  const idle: Up[] = [];
  const connect = (): Up => {
    const sock = net.connect(upPort, '127.0.0.1');
    sock.setNoDelay(true);
    const p = new HTTPParser();
    p.initialize(HTTPParser.RESPONSE, {}, 16384, 0);
    const u: Up = { sock, p, onHead: undefined, onBody: undefined, onEnd: undefined, keepAlive: true };
    let hdrs: string[] = [];
    p[HTTPParser.kOnHeaders] = (h: string[]) => hdrs.push(...h);
    p[HTTPParser.kOnHeadersComplete] = (
      _ma: number,
      _mi: number,
      headers: string[] | undefined,
      _m: number,
      _url: string,
      status: number,
      _sm: string,
      _up: boolean,
      ka: boolean,
    ) => {
      if (headers === undefined) {
        headers = hdrs;
        hdrs = [];
      }
      u.keepAlive = ka;
      u.onHead!(status, headers, ka);
      return 0;
    };
    p[HTTPParser.kOnBody] = (b: Buffer) => u.onBody!(b);
    p[HTTPParser.kOnMessageComplete] = () => {
      const end = u.onEnd!;
      u.onHead = u.onBody = u.onEnd = undefined;
      if (u.keepAlive) idle.push(u);
      else sock.destroy();
      end();
    };
    feed(sock, p);
    sock.on('error', () => {});
    sock.on('close', () => {
      const i = idle.indexOf(u);
      if (i >= 0) idle.splice(i, 1);
    });
    return u;
  };
  net
    .createServer({ noDelay: true }, (sock) => {
      const p = new HTTPParser();
      p.initialize(HTTPParser.REQUEST, {}, 16384, 0);
      let hdrs: string[] = [];
      let url = '';
      let head = '';
      p[HTTPParser.kOnHeaders] = (h: string[], u: string) => {
        hdrs.push(...h);
        url += u;
      };
      p[HTTPParser.kOnHeadersComplete] = (_ma: number, _mi: number, headers: string[] | undefined, method: number, u: string | undefined) => {
        if (headers === undefined) {
          headers = hdrs;
          hdrs = [];
        }
        if (u === undefined) {
          u = url;
          url = '';
        }
        let s = `${methods[method]} ${u} HTTP/1.1\r\n`;
        for (let i = 0; i < headers.length; i += 2) {
          const n = headers[i]!;
          if (n.length === 10 && n.toLowerCase() === 'connection') continue;
          s += `${n}: ${headers[i + 1]}\r\n`;
        }
        head = `${s}x-forwarded-for: ${sock.remoteAddress}\r\n\r\n`;
        return 0;
      };
      p[HTTPParser.kOnMessageComplete] = () => {
        const u = idle.pop() ?? connect();
        let chunked = false;
        u.onHead = (status, headers) => {
          let s = `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n`;
          let len = false;
          for (let i = 0; i < headers.length; i += 2) {
            const n = headers[i]!.toLowerCase();
            if (n === 'connection' || n === 'keep-alive' || n === 'transfer-encoding') continue;
            if (n === 'content-length') len = true;
            s += `${headers[i]}: ${headers[i + 1]}\r\n`;
          }
          if (!len) {
            chunked = true;
            s += 'transfer-encoding: chunked\r\n';
          }
          sock.cork();
          sock.write(`${s}\r\n`);
        };
        u.onBody = (b) => {
          if (chunked) sock.write(`${b.length.toString(16)}\r\n`);
          sock.write(b);
          if (chunked) sock.write('\r\n');
        };
        u.onEnd = () => {
          if (chunked) sock.write('0\r\n\r\n');
          sock.uncork();
        };
        u.sock.write(head);
      };
      feed(sock, p);
      sock.on('error', () => {});
    })
    .listen(port, '127.0.0.1');
} else {
  console.error(`unknown variant ${variant}`);
  process.exit(2);
}
