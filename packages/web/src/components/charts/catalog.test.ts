import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartDef, readableName } from './catalog.ts';

test('a series outside the catalog gets a readable title and a unit from its suffix', () => {
  assert.equal(readableName('peer_sent_bytes_rate'), 'Peer sent bytes rate');
  assert.equal(readableName('grpc_requests_rate'), 'gRPC requests rate');
  assert.deepEqual(chartDef('wal_fsync_p50_seconds'), { series: 'wal_fsync_p50_seconds', title: 'WAL fsync p50 seconds', unit: 'seconds' });
});

test('titles and units come from the monitor catalogue, families with their labels filled in', () => {
  const catalog = {
    series: [{ name: 'db_size_bytes', title: 'DB size', unit: 'bytes' as const, scope: 'member' as const, group: 'Storage', source: 'x' }],
    patterns: [
      {
        pattern: 'grpc_<method>_<code>_rate',
        regex: '^grpc_([A-Za-z]+)_([A-Za-z]+)_rate$',
        labels: ['method', 'code'],
        title: 'gRPC <method> requests answered <code>',
        unit: 'opsPerSec' as const,
        scope: 'member' as const,
        group: 'Requests',
        source: 'x',
      },
    ],
  };
  assert.deepEqual(chartDef('db_size_bytes', catalog), { series: 'db_size_bytes', title: 'DB size', unit: 'bytes' });
  assert.deepEqual(chartDef('grpc_Range_OK_rate', catalog), { series: 'grpc_Range_OK_rate', title: 'gRPC Range requests answered OK', unit: 'opsPerSec' });
});
