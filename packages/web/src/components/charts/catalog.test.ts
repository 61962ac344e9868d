import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartDef, readableName } from './catalog.ts';

test('a series outside the catalog gets a readable title and a unit from its suffix', () => {
  assert.equal(readableName('peer_sent_bytes_rate'), 'Peer sent bytes rate');
  assert.equal(readableName('grpc_requests_rate'), 'gRPC requests rate');
  assert.deepEqual(chartDef('wal_fsync_p50_seconds'), { series: 'wal_fsync_p50_seconds', title: 'WAL fsync p50 seconds', unit: 'seconds' });
  assert.equal(chartDef('db_size_bytes').title, 'DB size');
});
