import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { describeGrpcError } from './grpc-errors.ts';

const opts = { endpoints: ['http://127.0.0.1:1'], dialTimeoutMs: 500, commandTimeoutMs: 1000 };

test('an UNAVAILABLE without a reason (grpc-js "null. Resolution note:") says no connection, not "null"', () => {
  for (const details of ['null. Resolution note: ', 'No connection established. Last error: null. Resolution note: ', 'null', '']) {
    const e = describeGrpcError({ code: grpc.status.UNAVAILABLE, details, message: details }, 'http://127.0.0.1:1', opts);
    assert.equal(e.code, 'ETCD_UNREACHABLE', details);
    assert.equal(e.message, 'http://127.0.0.1:1: no connection (gRPC gave no reason)', details);
  }
  const refused = describeGrpcError(
    { code: grpc.status.UNAVAILABLE, details: 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1' },
    'http://127.0.0.1:1',
    opts,
  );
  assert.equal(refused.message, 'http://127.0.0.1:1: connection refused');
});
