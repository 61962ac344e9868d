import type { ErrorCatalogue } from '@etcd-monitor/core';

/** GW_ERRORS is the catalogue of the gateway's codes; a status is what the client gets when the code ends a proxied request. */
export const GW_ERRORS = {
  GW_ANSWERED: { meaning: 'internal: the upstream exchange was stopped because the client had been answered already' },
  GW_BAD_HEADER: { meaning: 'a header value the gateway would send upstream is invalid', status: 500 },
  GW_BAD_REQUEST_BODY: { meaning: "the client's request body is malformed (bad chunked framing)", status: 400 },
  GW_BAD_UPSTREAM_HEAD: { meaning: "the upstream's response head is invalid", status: 502 },
  GW_BAD_UPSTREAM_RESPONSE: { meaning: "the upstream's response is malformed HTTP", status: 502 },
  GW_BODY_TOO_LARGE: { meaning: "the request body is larger than the location's client_max_body_size", status: 413 },
  GW_CONFIG_CONFLICT: { meaning: 'the config changed since the version a write was based on was read' },
  GW_CONFIG_INVALID: { meaning: 'the config has errors; each names its key and the fix' },
  GW_CONFIG_READ: { meaning: 'the config file cannot be read' },
  GW_CONFIG_SOURCE: { meaning: 'the --config location is not a file path or file:// URL the gateway can use' },
  GW_CONFIG_WRITE: { meaning: 'the config file cannot be written' },
  GW_H2_RAPID_RESET: { meaning: 'an HTTP/2 client reset too many streams (rapid reset); the session gets GOAWAY ENHANCE_YOUR_CALM' },
  GW_LISTEN: { meaning: "a listener (a server's addr or basic.admin_addr) cannot be opened" },
  GW_NO_SERVER: { meaning: 'no listener exists for the named server' },
  GW_REQUEST_BODY_FAILED: { meaning: "reading the client's request body failed", status: 400 },
  GW_RESPONSE_TOO_LARGE: { meaning: 'a buffered upstream response is larger than buffer_max_size', status: 502 },
  GW_UPSTREAM_BODY_TIMEOUT: { meaning: 'the upstream sent no response body bytes within read_timeout', status: 504 },
  GW_UPSTREAM_CONNECT_TIMEOUT: { meaning: 'no upstream connection within connection_timeout (connecting, or waiting at max_connections); nothing was sent', status: 504 },
  GW_UPSTREAM_HEADERS_TIMEOUT: { meaning: 'the upstream sent no response head within read_timeout of the request', status: 504 },
  GW_UPSTREAM_POOL_CLOSED: { meaning: "the upstream's connection pool was closed (it left the config on reload, or the gateway stops); nothing was sent", status: 502 },
  GW_WORKER_START: { meaning: 'a gateway worker process failed to start' },
  GW_WRITE_TIMEOUT: { meaning: 'sending the request body upstream made no progress in time', status: 504 },
} as const satisfies ErrorCatalogue;
