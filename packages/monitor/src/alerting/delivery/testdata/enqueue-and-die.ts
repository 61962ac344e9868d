// Child process of kill.test.ts: enqueues notifications for a webhook receiver that is down while the delivery worker
// keeps failing to send them, printing each id once enqueue has returned, until the test SIGKILLs it.
import { createSender, parseChannel } from '../../notify/index.ts';
import { openOutbox } from '../outbox.ts';
import { startDelivery } from '../delivery.ts';
import { sampleNotification } from '../../notify/testdata/receiver.ts';

const [path, port, count, groups] = process.argv.slice(2);
const outbox = openOutbox({ path: path! });
const hook = createSender(parseChannel({ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook` }, 'child'));
startDelivery({ outbox, channels: new Map([['hook', hook]]), backoff: { initialMs: 20, maxMs: 200 }, timeoutMs: 500, ratePerChannel: { perMinute: 60_000, burst: 1_000 } });
// The worker's timer is unref'd; this keeps the process up until the kill.
setInterval(() => {}, 60_000);
for (let i = 0; i < Number(count); i++) {
  const id = `n-${i}`;
  outbox.enqueue(sampleNotification({ id, channel: 'hook', groupKey: `g${i % Number(groups)}` }));
  process.stdout.write(`${id}\n`);
  // Yield now and then so the worker's failing attempts interleave with the enqueues, as in a live monitor.
  if (i % 10 === 9) await new Promise((r) => setImmediate(r));
}
process.stdout.write('done\n');
