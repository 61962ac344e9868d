// Response buffering (buffer_response): the upstream's answer is held whole, up to buffer_max_size, and sent with its
// length once complete.
import type { ResponseHead } from '../plugins/plugin.ts';
import { sendError } from './answer.ts';
import type { DispatchController } from '../upstream/pool.ts';
import type { Exchange } from './exchange.ts';
import type { BodySink } from './response-body.ts';

/** ResponseBuffer holds one upstream response: its head (after the rules and hooks) and its body so far. */
export class ResponseBuffer {
  readonly head: ResponseHead;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(head: ResponseHead) {
    this.head = head;
  }

  /** add keeps a body chunk; false once the body is larger than `max` (the exchange is then aborted). */
  add(chunk: Buffer, max: number): boolean {
    this.size += chunk.length;
    if (this.size > max) return false;
    this.chunks.push(chunk);
    return true;
  }

  /** sink takes the body out of the responseBody stages, aborting the exchange once it is larger than buffer_max_size. */
  sink(ex: Exchange, controller: DispatchController): BodySink {
    return {
      write: (chunk) => {
        if (!this.add(chunk, ex.loc!.bufferMax)) controller.abort(Object.assign(new Error('response larger than buffer_max_size'), { code: 'GW_RESPONSE_TOO_LARGE' }));
        return true;
      },
      once: () => undefined,
    };
  }

  /** send writes the head, with the body's length, and the body. */
  send(ex: Exchange): void {
    const body = Buffer.concat(this.chunks);
    const head = this.head;
    ex.bytesSent = body.length;
    // HEAD keeps the upstream's length (of the body it did not send); 204 and 304 have none.
    const st = head.status;
    if (ex.method !== 'HEAD' && st !== 204 && st !== 304) head.headers['content-length'] = String(body.length);
    ex.respHeaders = head.headers;
    try {
      ex.res.writeHead(head.status, head.headers as Record<string, string | string[]>);
    } catch (err) {
      // A header a plugin set that Node refuses to send must not take the process down.
      return sendError(ex, 500, `the response head cannot be sent: ${(err as Error).message}`);
    }
    ex.res.end(body);
  }
}
