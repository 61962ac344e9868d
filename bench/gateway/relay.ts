// The floor of a Node.js proxy: a TCP relay with no HTTP at all. Each client connection gets its own upstream
// connection and the bytes read on one side are written to the other as they come. It parses nothing, routes nothing
// and checks nothing, so it is not a proxy anyone could run; it measures what Node.js (libuv, the C++/JavaScript
// boundary, V8) costs per request with the same reads and writes as a proxy — the part of the gateway's CPU and tail
// that no change to the gateway's own code can remove (docs/gateway-latency.md, "The floor").
//
// Made as cheap as Node allows without native code, as the gateway's own I/O is: both sides read into one reused buffer
// (net's `onread`, no Buffer per read; an accepted socket is re-wrapped to get it) and write a copy of what was read
// (a write the kernel does not take at once keeps its bytes). With 'data' events and write() instead it costs ~10–15 %
// more CPU per request.
//
//   node --max-semi-space-size=4 bench/gateway/relay.ts LISTEN_PORT UPSTREAM_PORT
import net from 'node:net';

const [listen, up] = process.argv.slice(2).map(Number);
if (!listen || !up) {
  console.error('usage: node bench/gateway/relay.ts LISTEN_PORT UPSTREAM_PORT');
  process.exit(2);
}
const readBuf = Buffer.allocUnsafe(64 * 1024);
/** onread is net's option for reads into a buffer of one's own; Node types it for net.connect only. */
type WithOnread = { onread: { buffer: Buffer; callback: (n: number, b: Buffer) => boolean } };

net
  .createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
    const handle = (accepted as unknown as { _handle: unknown })._handle;
    (accepted as unknown as { _handle: unknown })._handle = null;
    const client = new net.Socket({
      handle,
      onread: { buffer: readBuf, callback: (n: number, b: Buffer) => upstream.write(Buffer.from(b.subarray(0, n))) || true },
    } as net.SocketConstructorOpts & WithOnread);
    client.setNoDelay(true);
    const upstream: net.Socket = net.connect({
      port: up,
      host: '127.0.0.1',
      noDelay: true,
      onread: { buffer: readBuf, callback: (n: number, b: Buffer) => client.write(Buffer.from(b.subarray(0, n))) || true },
    } as net.NetConnectOpts & WithOnread);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.resume();
  })
  .listen(listen, '127.0.0.1', 4096);
