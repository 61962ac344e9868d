// The configuration's shapes as the rest of the monitor sees them, below everything that reads or uses them.

/** ServerConfig is the `[server]` table: where the monitor listens and keeps its data. */
export interface ServerConfig {
  /** listen is the HTTP address of the UI, API and /metrics, `host:port`. */
  listen: string;
  /** dataDir holds the embedded store and the secret key file. */
  dataDir: string;
  /** secretKeyFile holds the key that encrypts stored credentials; created (mode 0600) when missing. */
  secretKeyFile: string | undefined;
}

/** ClusterConfig is one monitored cluster, from a `[[clusters]]` table or the API. */
export interface ClusterConfig {
  /** name identifies the cluster in the API, UI, events and alerts. */
  name: string;
  /** endpoints are the seed client URLs; every member in the member list is watched, not only these. */
  endpoints: string[];
  /** group places the cluster in a group on the overview, such as `prod`. */
  group: string;
  /** labels are free-form key/value pairs copied onto the cluster's alerts. */
  labels: Record<string, string>;
  /** cacert is the CA bundle file for TLS clusters. */
  cacert?: string;
  /** cert is the client certificate file. */
  cert?: string;
  /** key is the client key file. */
  key?: string;
  /** insecureSkipTlsVerify accepts any server certificate. */
  insecureSkipTlsVerify: boolean;
  /** user is the etcd user name, when etcd authentication is on. */
  user?: string;
  /** password is the etcd user's password; stored encrypted, never returned by the API. */
  password?: string;
  /** metricsUrls override where each member's /metrics is scraped (default: its client URL + /metrics). */
  metricsUrls: string[];
  /** statusInterval is how often every member's status is read. */
  statusIntervalMs: number;
  /** probeInterval is how often the read (and write) probes run against every member. */
  probeIntervalMs: number;
  /** metricsInterval is how often every member's /metrics is scraped. */
  metricsIntervalMs: number;
  /** timeout bounds every call to a member. */
  timeoutMs: number;
  /** writeProbe turns on a put under the reserved prefix `/etcd-monitor/probe/` with a short lease, for write latency. */
  writeProbe: boolean;
}

/** AuthConfig is the `[auth]` table: who may use the API without logging in. */
export interface AuthConfig {
  /** anonymousRole is the role of requests without a session from a loopback address to a loopback Host; `none` requires a login everywhere. */
  anonymousRole: 'none' | 'viewer' | 'operator' | 'admin';
  /** loginMaxFailures is how many failed logins for one user name lock it out for loginLockoutMs (an address: 4× this). */
  loginMaxFailures: number;
  /** loginLockoutMs is how long logins are refused after too many failures. */
  loginLockoutMs: number;
}

/** StorageConfig is the `[storage]` table: how long each resolution of the history is kept, in milliseconds. */
export interface StorageConfig {
  /** retention holds the raw, 1-minute, 1-hour and event retention in milliseconds. */
  retention: { raw: number; m1: number; h1: number; events: number };
}
