// A gateway inside the bench's own process (for V8's profilers and heap counts): one plain location to one upstream.
import { parseConfigText } from '../../packages/gateway/src/config/load.ts';
import { Gateway } from '../../packages/gateway/src/gateway.ts';
import { silentLogger } from '../../packages/gateway/src/observability/log.ts';

/** plainGateway starts, in this process, a gateway proxying everything on 127.0.0.1:`port` (0: any) to 127.0.0.1:`upPort`. */
export async function plainGateway(upPort: number, port = 0): Promise<Gateway> {
  const { config, issues } = parseConfigText(`[basic]
admin_addr = ""
[upstreams.up]
addrs = ["127.0.0.1:${upPort}"]
[locations.all]
upstream = "up"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["all"]
`);
  if (issues.length) throw new Error(JSON.stringify(issues));
  return Gateway.start(config, { log: silentLogger });
}
