// HTTP/2 bounds check: h2load opens one h2c connection and asks for up to 1,000 concurrent streams; the upstream counts
// the connections it accepted and the most requests it had at once. Each answer waits 20 ms, so streams overlap.
//
//   node bench/gateway/h2-streams.ts [--requests 2000] [--streams 1000]
//
// Needs: h2load (nghttp2-client). Loopback only, a few seconds.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { parseConfigText } from '../../packages/gateway/src/config/load.ts';
import { Gateway } from '../../packages/gateway/src/gateway.ts';
import { silentLogger } from '../../packages/gateway/src/observability/log.ts';
import { opt } from './procs.ts';

const requests = Number(opt('requests', '2000'));
const streams = Number(opt('streams', '1000'));
if (spawnSync('sh', ['-c', 'command -v h2load']).status !== 0) {
  console.error('bench: h2load is missing; install it with: apt-get install -y nghttp2-client');
  process.exit(2);
}

let connections = 0;
let inFlight = 0;
let peak = 0;
const upstream = http.createServer((req, res) => {
  inFlight++;
  peak = Math.max(peak, inFlight);
  req.resume();
  setTimeout(() => {
    inFlight--;
    res.end('ok');
  }, 20);
});
upstream.keepAliveTimeout = 60_000;
upstream.on('connection', () => connections++);
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upPort = (upstream.address() as AddressInfo).port;

const { config, issues } = parseConfigText(`
[basic]
admin_addr = ""
[upstreams.up]
addrs = ["127.0.0.1:${upPort}"]
[locations.l]
upstream = "up"
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
enabled_h2 = true
`);
if (issues.length) throw new Error(JSON.stringify(issues));
const gw = await Gateway.start(config, { log: silentLogger });
const url = `http://127.0.0.1:${gw.port('main')}/`;
const args = ['-n', String(requests), '-c', '1', '-m', String(streams), url];
const out = await new Promise<string>((resolve) => execFile('h2load', args, { maxBuffer: 1 << 20 }, (_err, stdout, stderr) => resolve(stdout + stderr)));
console.log(`$ h2load ${args.join(' ')}`);
for (const line of out.split('\n')) if (/^(requests|status codes|traffic):|^finished in/.test(line)) console.log(line);
console.log(`upstream: ${connections} connections accepted, at most ${peak} requests at once`);
await gw.stop(0);
upstream.closeAllConnections();
upstream.close();
