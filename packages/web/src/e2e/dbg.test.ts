import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster } from '@etcd-monitor/etcd/testing';
import { launchChromium, startMonitor } from '/work/main/packages/web/src/e2e/harness.ts';

test('dbg', async () => {
  const cluster = await startCluster({ members: 3 });
  const mon = await startMonitor([{ name: 'main', endpoints: cluster.endpoints }]);
  const browser = await launchChromium();
  const page = await browser.newPage({ baseURL: mon.url });
  page.on('console', (m) => console.log('console', m.text()));
  await page.goto('/clusters/main');
  await sleep(4000);
  const old = await cluster.waitForLeader();
  console.log('old', old.name);
  await old.kill();
  for (let i = 0; i < 10; i++) {
    const api = await (await fetch(`${mon.url}/api/v1/clusters/main`)).json();
    console.log(i, 'page:', await page.getByTestId('cluster-leader').textContent(), await page.getByTestId('live-state').textContent(), 'api:', api.leaderName, api.health.status);
    await sleep(1000);
  }
  await browser.close(); await mon.stop(); await cluster.stop();
});
