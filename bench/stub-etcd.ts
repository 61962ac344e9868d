// Stand-in etcd members for the monitor's scale benchmark: each answers the gRPC calls the monitor makes (Status,
// MemberList, Alarm, Range) on its own loopback port, with advancing raft indices. Not a test fake: 100 real etcd
// processes do not fit on this 2-core machine next to the monitor, so beyond a few real clusters the benchmark uses
// these, with real etcd /metrics dumps served by bench/fixture-targets.ts.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_DIR = fileURLToPath(new URL('../packages/etcd/proto/', import.meta.url));

/** StubCluster is a set of stand-in members that agree on one leader. */
export interface StubCluster {
  /** endpoints are the members' client URLs. */
  endpoints: string[];
}

/** startStubClusters starts `clusters` × `members` stand-in members and returns their endpoints and a close function. */
export async function startStubClusters(clusters: number, members: number): Promise<{ clusters: StubCluster[]; close(): Promise<void> }> {
  const def = protoLoader.loadSync(`${PROTO_DIR}rpc.proto`, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] });
  const pkg = grpc.loadPackageDefinition(def).etcdserverpb as Record<string, grpc.ServiceClientConstructor>;
  const servers: grpc.Server[] = [];
  const out: StubCluster[] = [];
  const started = Date.now();
  for (let c = 0; c < clusters; c++) {
    const clusterId = String(1000 + c);
    const ids = Array.from({ length: members }, (_, m) => String(BigInt(c + 1) * 1_000_000n + BigInt(m + 1)));
    const endpoints: string[] = [];
    const boundPorts: number[] = [];
    for (let m = 0; m < members; m++) {
      const server = new grpc.Server();
      const id = ids[m]!;
      const header = () => ({ cluster_id: clusterId, member_id: id, revision: String(Math.floor((Date.now() - started) / 100)), raft_term: '2' });
      const index = () => String(1000 + Math.floor((Date.now() - started) / 50));
      server.addService(pkg.Maintenance!.service, {
        Status: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
          cb(null, {
            header: header(),
            version: '3.4.23',
            dbSize: '1048576',
            dbSizeInUse: '786432',
            leader: ids[0],
            raftIndex: index(),
            raftTerm: '2',
            raftAppliedIndex: index(),
            errors: [],
            isLearner: false,
          }),
        Alarm: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { header: header(), alarms: [] }),
      });
      server.addService(pkg.Cluster!.service, {
        MemberList: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
          cb(null, {
            header: header(),
            members: ids.map((mid, i) => ({
              ID: mid,
              name: `stub-${c}-${i}`,
              peerURLs: [`http://127.0.0.1:${40000 + i}`],
              clientURLs: endpoints[i] ? [endpoints[i]] : [],
              isLearner: false,
            })),
          }),
      });
      server.addService(pkg.KV!.service, {
        Range: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { header: header(), kvs: [], more: false, count: '0' }),
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      boundPorts.push(port);
      endpoints.push(`http://127.0.0.1:${port}`);
      servers.push(server);
    }
    out.push({ endpoints });
  }
  return {
    clusters: out,
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.tryShutdown(() => r()))));
    },
  };
}

// As a program: `node bench/stub-etcd.ts CLUSTERS MEMBERS` prints one JSON line with the endpoints, serves until killed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startStubClusters(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 3));
  process.stdout.write(`${JSON.stringify(s.clusters)}\n`);
  process.on('SIGTERM', () => void s.close().then(() => process.exit(0)));
}
