import type { Command } from 'commander';
import { mergeFlagsWithEnv, resolveConnectionOptions, type ConnectionFlags, type ConnectionOptions } from '@etcd-monitor/etcd/options';

/** addConnectionFlags adds etcdctl's connection flags to a command. */
export function addConnectionFlags(cmd: Command): Command {
  return cmd
    .option('--endpoints <list>', 'comma-separated gRPC endpoints (default 127.0.0.1:2379)')
    .option('--cacert <file>', 'verify certificates of TLS-enabled servers using this CA bundle')
    .option('--cert <file>', 'identify the client with this TLS certificate file')
    .option('--key <file>', 'identify the client with this TLS key file')
    .option('--insecure-skip-tls-verify', 'skip server certificate verification (unsafe)')
    .option('--insecure-transport <bool>', 'allow plain-text connections to endpoints given without a scheme (default true)')
    .option('--user <name[:password]>', 'user name (and password) for etcd authentication')
    .option('--password <password>', 'password for --user, when it is not given after a colon')
    .option('--dial-timeout <duration>', 'dial timeout for each connection (default 2s)')
    .option('--command-timeout <duration>', 'timeout for each call (default 5s)');
}

/** connectionFromFlags merges parsed flags with ETCDCTL_* variables (etcdctl's conflict rule) and validates them. */
export function connectionFromFlags(o: Record<string, unknown>, env: NodeJS.ProcessEnv): ConnectionOptions {
  const flags: ConnectionFlags = {
    endpoints: o.endpoints as string | undefined,
    cacert: o.cacert as string | undefined,
    cert: o.cert as string | undefined,
    key: o.key as string | undefined,
    insecureSkipTlsVerify: o.insecureSkipTlsVerify as boolean | undefined,
    insecureTransport: o.insecureTransport as string | undefined,
    user: o.user as string | undefined,
    password: o.password as string | undefined,
    dialTimeout: o.dialTimeout as string | undefined,
    commandTimeout: o.commandTimeout as string | undefined,
  };
  return resolveConnectionOptions(mergeFlagsWithEnv(flags, env));
}
