// The floor of a Node.js proxy: a TCP relay with no HTTP at all. Each client connection gets its own upstream
// connection and the bytes read on one side are written to the other as they come, by the usual net.Socket 'data' and
// write(). It parses nothing, routes nothing and checks nothing, so it is not a proxy anyone could run; it measures what
// Node.js (libuv, the C++/JavaScript boundary, V8) costs per request with the same reads and writes as a proxy — the
// part of the gateway's CPU and tail that no change to the gateway's own code can remove (docs/gateway-latency.md).
//
//   node --max-semi-space-size=4 bench/gateway/relay.ts LISTEN_PORT UPSTREAM_PORT
import net from 'node:net';

const [listen, up] = process.argv.slice(2).map(Number);
if (!listen || !up) {
  console.error('usage: node bench/gateway/relay.ts LISTEN_PORT UPSTREAM_PORT');
  process.exit(2);
}
net
  .createServer({ noDelay: true }, (c) => {
    const u = net.connect({ port: up, host: '127.0.0.1', noDelay: true });
    c.on('data', (d) => u.write(d));
    u.on('data', (d) => c.write(d));
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    c.on('close', () => u.destroy());
    u.on('close', () => c.destroy());
  })
  .listen(listen, '127.0.0.1', 4096);
