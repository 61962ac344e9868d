// The real-etcd harness for integration tests: import from '@etcd-monitor/etcd/testing'.
export { startCluster, useCluster } from './cluster.ts';
export type { StartClusterOptions, TestCluster, TestClusterAuth, TestClusterTls, EtcdctlOptions } from './cluster.ts';
export type { TestMember, MemberState } from './member.ts';
export type { RunResult } from './processes.ts';
export type { EndpointStatus } from './status.ts';
export { parseEndpointStatus } from './status.ts';
export { generateCerts } from './certs.ts';
export type { TestCerts } from './certs.ts';
export { freePorts } from './ports.ts';
export { metricsDump } from './dumps.ts';
