// How the request body travels upstream: none; buffered whole (buffer_request) and sent with its length; streamed with
// the client's length; or streamed of unknown length (chunked, HTTP/2 without Content-Length) through a counter that
// enforces client_max_body_size. A streamed upload that makes no progress for write_timeout is aborted.
import { Transform, type Readable } from 'node:stream';
import { HeaderList } from '../http1/headers.ts';
import { sendError } from './answer.ts';
import type { Req } from './client.ts';
import type { Exchange } from './exchange.ts';
import { forward } from './forward.ts';

/** withBody decides how the request body travels: none, streamed (with an optional size cap) or buffered. */
export function withBody(ex: Exchange): void {
  const req = ex.req;
  const loc = ex.loc!;
  if (!ex.client.hasBody(req)) {
    ex.body = null;
    return forward(ex);
  }
  const cl = req.headers['content-length'];
  const declared = cl === undefined ? -1 : Number(cl);
  // The body's events and flow control, which H1Request passes to its body stream.
  const src = req as unknown as Readable;
  ex.payloadSize = Math.max(declared, 0);
  const limit = ex.bodyLimit;
  const max = loc.bufferRequest ? (limit > 0 ? Math.min(limit, loc.bufferMax) : loc.bufferMax) : limit;
  if (max > 0 && declared > max) return sendError(ex, 413, `request body larger than ${max} bytes`);
  if (loc.bufferRequest) {
    const chunks: Buffer[] = [];
    let size = 0;
    src.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        src.removeAllListeners('data');
        src.resume();
        if (!ex.res.headersSent) sendError(ex, 413, `request body larger than ${max} bytes`);
        return;
      }
      chunks.push(c);
    });
    src.on('end', () => {
      if (size > max || ex.clientGone) return;
      ex.body = Buffer.concat(chunks);
      ex.payloadSize = size;
      const list = new HeaderList(ex.upstreamHeaders);
      list.set('content-length', String(size));
      forward(ex);
    });
    return;
  }
  ex.body = req;
  if (declared < 0) {
    // A body of unknown length (chunked, or HTTP/2 without Content-Length) is counted as it passes, for payload_size and
    // the limit: the stream fails once past the limit, which fails the upstream exchange wherever it is (connecting,
    // sending) and answers 413. Counting with a 'data' listener would start the body flowing before the pool reads it
    // (chunks lost) and answer while the dispatch went on.
    let size = 0;
    const limited = new Transform({
      transform(c: Buffer, _enc, cb) {
        size += c.length;
        ex.payloadSize = size;
        if (max > 0 && size > max) cb(Object.assign(new Error(`request body larger than ${max} bytes`), { code: 'GW_BODY_TOO_LARGE' }));
        else cb(null, c);
      },
    });
    // The pool reads the error when it sends (errored) or from its own listener once it streams; until then it waits here.
    limited.on('error', () => {});
    const stream = ex.client.body(req);
    stream.on('error', (e: Error) => limited.destroy(e));
    stream.pipe(limited);
    ex.body = limited;
  }
  watchWrites(ex, req);
  forward(ex);
}

/**
 * watchWrites aborts a streamed upload that makes no progress for `write_timeout` (client stalled or upstream not reading).
 * Progress is read from the client socket's byte count: a 'data' listener would switch the body into flowing mode before
 * the upstream pool consumes it, and lose chunks.
 */
function watchWrites(ex: Exchange, req: Req): void {
  const src = req as unknown as Readable;
  const limit = ex.target!.config.write_timeout;
  const sock = req.socket as { bytesRead?: number } | undefined;
  if (limit <= 0 || !sock) return;
  let seen = sock.bytesRead ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (src.readableEnded || ex.clientGone || ex.res.writableFinished) return;
    const now = sock.bytesRead ?? 0;
    if (now === seen) {
      ex.controller?.abort(Object.assign(new Error('request body made no progress'), { code: 'GW_WRITE_TIMEOUT' }));
      return;
    }
    seen = now;
    timer = setTimeout(check, limit);
    timer.unref();
  };
  src.once('end', () => clearTimeout(timer));
  timer = setTimeout(check, limit);
  timer.unref();
}
