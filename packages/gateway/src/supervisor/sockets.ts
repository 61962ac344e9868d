import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';

// node:cluster's own handle sharing closes a listening socket when its last worker exits (SharedHandle/RoundRobinHandle
// remove()), so with one worker every restart refused connections. The primary binds the sockets itself and keeps them:
// a socket stays in LISTEN while no worker runs, the kernel queues new connections in its backlog, and the next worker
// accepts them. net._createServerHandle is what node:cluster's SCHED_NONE uses: a bound socket on which the primary never
// calls listen() or accept() (the workers do), so the primary serves no connection.
const createServerHandle = (net as unknown as { _createServerHandle(address: string, port: number, addressType: number): object | number })._createServerHandle;

/** Handle is the part of a libuv TCP handle the primary uses. */
interface Handle {
  getsockname(out: object): number;
  close(): void;
}

/** ListenSockets are the listening sockets the primary binds (as root when it is) and shares with the workers. */
export class ListenSockets {
  private readonly handles = new Map<string, { host: string; port: number; handle: Handle }>();

  /** bind returns the socket of a listener, binding it the first time it is asked for; it throws an error with the errno `code`. */
  async bind(key: string, host: string, port: number): Promise<object> {
    const cur = this.handles.get(key);
    if (cur && cur.host === host && cur.port === port) return cur.handle;
    if (cur) this.close(key);
    const ip = net.isIP(host) ? host : (await lookup(host)).address;
    const h = createServerHandle(ip, port, net.isIP(ip));
    // libuv reports EADDRINUSE at listen() rather than bind(); getsockname returns it too, and a worker given the unbound
    // socket would listen on a random port instead.
    const err = typeof h === 'number' ? h : (h as Handle).getsockname({});
    if (err) {
      if (typeof h !== 'number') (h as Handle).close();
      throw Object.assign(new Error(getSystemErrorName(err)), { code: getSystemErrorName(err) });
    }
    this.handles.set(key, { host, port, handle: h as Handle });
    return h as Handle;
  }

  private close(key: string): void {
    this.handles.get(key)?.handle.close();
    this.handles.delete(key);
  }

  /** keep closes the sockets of listeners not in `keys` (once every worker has closed its own copy, the port is free). */
  keep(keys: Iterable<string>): void {
    const wanted = new Set(keys);
    for (const key of [...this.handles.keys()]) if (!wanted.has(key)) this.close(key);
  }

  /** closeAll closes every socket. */
  closeAll(): void {
    this.keep([]);
  }
}
