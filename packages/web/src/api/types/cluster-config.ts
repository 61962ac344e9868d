/** ClusterConfig is `GET /api/v1/clusters/NAME/config`: the cluster as written (TOML keys), `has_password` instead of the password. */
export interface ClusterConfig {
  name: string;
  endpoints: string[];
  group?: string;
  labels?: Record<string, string>;
  cacert?: string;
  cert?: string;
  key?: string;
  insecure_skip_tls_verify?: boolean;
  user?: string;
  has_password?: boolean;
  metrics_urls?: string[];
  status_interval?: string;
  probe_interval?: string;
  metrics_interval?: string;
  timeout?: string;
  write_probe?: boolean;
  source?: string;
  // Keys a newer monitor adds are kept and sent back untouched.
  [key: string]: unknown;
}
