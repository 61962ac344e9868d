// The real-etcd harness for integration tests: import from '@etcd-monitor/etcd/testing'.
export { startCluster, useCluster } from './cluster.ts';
export type { StartClusterOptions, TestCluster, TestClusterAuth, TestClusterTls, EtcdctlOptions } from './cluster.ts';
export type { TestMember, MemberState } from './member.ts';
export type { RunResult } from './processes.ts';
export type { EndpointStatus } from './status.ts';
export { parseEndpointStatus } from './status.ts';
export { generateCerts } from './certs.ts';
export type { TestCerts } from './certs.ts';
// Free loopback ports live in the shared test kit; re-exported for the tests that start etcd beside other servers.
export { freePorts } from '@etcd-monitor/core/testing';
export { metricsDump } from './dumps.ts';
