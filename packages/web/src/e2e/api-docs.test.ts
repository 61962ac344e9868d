import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMonitor, useBrowserMonitor, type BrowserMonitor } from './harness.ts';

describe('the API reference at /api/docs', () => {
  let s: BrowserMonitor;
  useBrowserMonitor(
    () => startMonitor([{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }]),
    (x) => (s = x),
  );

  test('opens in a browser as a page of every operation, loading nothing from elsewhere; the JSON stays at its URL', async () => {
    const { page, mon } = s;
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const res = await page.goto('/api/docs');
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-type'] ?? '', /text\/html/);
    assert.match((await page.locator('h1').textContent()) ?? '', /etcd-monitor API/);

    const spec = (await (await fetch(`${mon.url}/api/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.values(spec.paths).flatMap((p) => Object.keys(p).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)));
    assert.ok(ops.length > 20);
    assert.equal(await page.locator('section.op').count(), ops.length);
    const create = page.locator('section.op', { hasText: 'Add a cluster' }).first();
    assert.match((await create.locator('h3').textContent()) ?? '', /POST\s+\/api\/v1\/clusters/);
    assert.match((await create.textContent()) ?? '', /status_interval.*How often each member's status and member list are read.*A duration with its unit, 100ms to 10m\./s);
    await page.locator('a', { hasText: 'openapi.json' }).click();
    await page.waitForURL('**/api/docs/openapi.json');
    assert.match((await page.locator('body').textContent()) ?? '', /"openapi":"3\.0\.3"/);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(mon.url)),
      [],
      'no CDN or other host',
    );
    assert.deepEqual(problems, []);
    // Clients that do not ask for HTML still get the JSON at /api/docs.
    const plain = await fetch(`${mon.url}/api/docs`);
    assert.match(plain.headers.get('content-type') ?? '', /application\/json/);
  });
});
