// The Store contract (contract.ts) run against the SQLite back end, in memory and in a file.
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { storeContract } from './contract.ts';
import { openSqliteStore } from './sqlite-store.ts';

// Background work is done all at once (sliceMs: Infinity): a slice cut short by a busy machine must not leave a
// rollup for later. Splitting it across calls is tested in incremental.test.ts.
storeContract('SQLite in memory', { open: ({ now }) => openSqliteStore({ path: ':memory:', flushIntervalMs: 0, sliceMs: Infinity, now }) });
storeContract('SQLite file', { open: ({ now }) => openSqliteStore({ path: join(tempDir('store-contract'), 'etcd-monitor.db'), flushIntervalMs: 0, sliceMs: Infinity, now }) });
