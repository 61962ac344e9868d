// Child process of restart.test.ts: a whole monitor (store, cluster monitors, alerting, API) built from the JSON config
// in argv[2], listening on a free loopback port that it prints, until the test SIGKILLs it.
import { parseConfig } from '../../config.ts';
import { createMonitor } from '../../service.ts';

const svc = await createMonitor(parseConfig(JSON.parse(process.argv[2]!) as Record<string, unknown>), { env: { ETCD_MONITOR_SECRET_KEY: 'restart-test' } });
process.stdout.write(`listening ${await svc.listen()}\n`);
