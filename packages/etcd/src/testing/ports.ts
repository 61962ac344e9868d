// Free loopback ports live in @etcd-monitor/core/testing, shared with the gateway's tests.
export { freePorts } from '@etcd-monitor/core/testing';
