import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@etcd-monitor/core';
import { freePorts } from '@etcd-monitor/core/testing';
import { readClusterConfig } from '../config.ts';
import { OpsClients } from './clients.ts';

test('reads side by side on a cluster no endpoint of which answers each fail with the endpoints\' own error, never "client is closed"', async () => {
  // Ports nothing listens on: every connection is refused. The keys page reads two levels at once; a read that failed
  // moved the cluster to its next endpoint by closing the client the other read was still using, and the other read then
  // failed (or ended) with ETCD_CLOSED — "client is closed" on the never-reached keys page, instead of the refusal.
  const ports = await freePorts(3);
  const cfg = readClusterConfig({ name: 'never', endpoints: ports.map((p) => `127.0.0.1:${p}`), timeout: '1s' }, 'test', [])!;
  const ops = new OpsClients(() => cfg);
  try {
    const reads = Array.from({ length: 4 }, () => ops.read('never', (rpc) => rpc.range('/a')));
    const results = await Promise.allSettled(reads);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const err = (r as PromiseRejectedResult).reason as unknown;
      assert.ok(err instanceof AppError, String(err));
      assert.notEqual(err.code, 'ETCD_CLOSED', err.message);
      assert.doesNotMatch(err.message, /client is closed/);
    }
  } finally {
    ops.close();
  }
});
