import net from 'node:net';

// Ports handed out by this process; the kernel may return a just-closed port again, and two members
// of one cluster must never share one.
const handedOut = new Set<number>();

/** freePorts returns n distinct loopback ports that were free a moment ago (bound to port 0 on 127.0.0.1, then closed). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    // All servers stay open until every port is read, so the kernel cannot hand one port out twice.
    while (ports.length < n) {
      const server = net.createServer();
      servers.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
          const addr = server.address();
          if (addr === null || typeof addr === 'string') reject(new Error('freePorts: no TCP address'));
          else resolve(addr.port);
        });
      });
      if (handedOut.has(port)) continue;
      handedOut.add(port);
      ports.push(port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return ports;
}
