import type { ErrorCatalogue } from '@etcd-monitor/core';
import { ETCD_ERRORS } from '@etcd-monitor/etcd';

/**
 * MON_ERRORS is the catalogue of the monitor's codes. A status is what the API answers with the code; a code without
 * one answers 400 when the error names a request field, 502 for the etcd package's codes (unless ETCD_ERRORS gives
 * one a status), else 500.
 */
export const MON_ERRORS = {
  MON_BAD_ORIGIN: { meaning: 'a cross-origin request was refused: its Origin does not match the Host', status: 403 },
  MON_BAD_REQUEST: { meaning: 'the request is malformed; the error names the field', status: 400 },
  MON_CHANNEL_CONFIG: { meaning: "a channel's settings are invalid; every issue names its key" },
  MON_CHANNEL_IN_USE: { meaning: 'the channel cannot be removed while a route sends to it', status: 409 },
  MON_CHANNEL_NOT_FOUND: { meaning: 'no channel has this name', status: 404 },
  MON_CHANNEL_READONLY: { meaning: 'the channel is defined in the config file, so the API cannot change it', status: 409 },
  MON_CLUSTER_EXISTS: { meaning: 'a cluster with this name exists already', status: 409 },
  MON_CLUSTER_READONLY: { meaning: 'the cluster is defined in the config file, so the API cannot change it', status: 409 },
  MON_CONFIG: { meaning: "the monitor's configuration is invalid; the error names the key", status: 400 },
  MON_FORBIDDEN: { meaning: "the caller's role does not allow this", status: 403 },
  MON_INTERNAL: { meaning: 'an unexpected error; the monitor log has the details', status: 500 },
  MON_LISTEN: { meaning: 'the monitor cannot listen on server.listen (in use, or not allowed)' },
  MON_LOGIN_LOCKED: { meaning: 'too many failed logins: logins are refused for a while', status: 429 },
  MON_MATCHER_INVALID: { meaning: 'a label matcher cannot be read (write name="value", name!="value", name=~"regex" or name!~"regex")' },
  MON_METRICS_FAILED: { meaning: "collecting a member's metrics failed" },
  MON_METRICS_HANDLER: { meaning: "handling a member's collected metrics failed" },
  MON_NOT_STARTED: { meaning: 'notifications cannot be sent before the monitor has started', status: 503 },
  MON_KV_CONFLICT: { meaning: 'the key changed since the revision (or the prefix count) the change was based on', status: 409 },
  MON_KV_NOT_FOUND: { meaning: 'the key does not exist', status: 404 },
  MON_NOT_FOUND: { meaning: 'no such route, cluster or object', status: 404 },
  MON_OUTBOX_BAD_NOTIFICATION: { meaning: 'a notification handed to the outbox lacks a required field' },
  MON_OUTBOX_CLOSED: { meaning: 'the notification outbox is closed' },
  MON_OUTBOX_OPEN_FAILED: { meaning: 'the notification outbox cannot be opened' },
  MON_ROUTES_CONFLICT: { meaning: 'the routes changed since the version the change was based on', status: 409 },
  MON_ROUTES_READONLY: { meaning: 'the routes are defined in the config file, so the API cannot change them', status: 409 },
  MON_ROUTE_INVALID: { meaning: 'a route is invalid (or the routes are empty); the error names the field' },
  MON_RULE_EXPR: { meaning: "an alert rule's expression cannot be parsed; the error names the column" },
  MON_RULE_INVALID: { meaning: 'an alert rule is invalid; every issue names its key' },
  MON_RULE_NOT_FOUND: { meaning: 'no rule has this name, or it has no change made through the API', status: 404 },
  MON_RULE_TEMPLATE: { meaning: "a rule's summary or description uses an unknown placeholder" },
  MON_RULE_TEST_RANGE: { meaning: "a rule test's time range ends before it starts" },
  MON_RULE_TEST_STEP: { meaning: "a rule test's step is not a positive number of milliseconds" },
  MON_SCRAPE_ABORTED: { meaning: 'a metrics scrape was cancelled' },
  MON_SCRAPE_BAD_URL: { meaning: 'a metrics URL is not a URL' },
  MON_SCRAPE_DNS: { meaning: "a metrics URL's host name cannot be resolved" },
  MON_SCRAPE_FAILED: { meaning: 'a metrics scrape failed for a reason no other code names' },
  MON_SCRAPE_HTTP_STATUS: { meaning: 'a metrics URL answered with an HTTP error status' },
  MON_SCRAPE_NOT_ETCD: { meaning: 'a metrics URL serves no etcd metrics' },
  MON_SCRAPE_PARSE: { meaning: 'a metrics URL did not serve Prometheus text' },
  MON_SCRAPE_REFUSED: { meaning: 'a metrics URL refused the connection' },
  MON_SCRAPE_TIMEOUT: { meaning: 'a metrics scrape timed out' },
  MON_SCRAPE_TLS: { meaning: 'a metrics scrape failed in the TLS handshake' },
  MON_SCRAPE_TOO_LARGE: { meaning: 'a metrics page is larger than the scrape limit' },
  MON_SECRET_KEY: { meaning: 'a stored credential cannot be decrypted with the current secret key' },
  MON_SILENCE_INVALID: { meaning: 'a silence is invalid; the error names the field' },
  MON_SILENCE_NOT_FOUND: { meaning: 'no silence has this id' },
  MON_STOPPED: { meaning: 'the monitor was stopped; build a new one to start again' },
  MON_STORE_BAD_ALERT: { meaning: 'an alert handed to the alert history is invalid; the error names the field' },
  MON_STORE_BAD_AUDIT: { meaning: 'an audit entry handed to the store is invalid; the error names the field' },
  MON_STORE_BAD_DOC: { meaning: 'a document handed to the store is invalid' },
  MON_STORE_BAD_EVENT: { meaning: 'an event handed to the store is invalid; the error names the field' },
  MON_STORE_BAD_OPTION: { meaning: 'a store option (retention, paths) is invalid' },
  MON_STORE_BAD_QUERY: { meaning: 'a store query is invalid (range, step, series, limit); the error names the field' },
  MON_STORE_BAD_SAMPLE: { meaning: 'a sample handed to the store is invalid; the error names the field' },
  MON_STORE_CLOSED: { meaning: 'the store is closed' },
  MON_STORE_ERROR: { meaning: 'a background store task (compaction, maintenance) failed; reported as a process warning' },
  MON_STORE_OPEN_FAILED: { meaning: 'the store cannot be opened' },
  MON_STORE_SCHEMA_TOO_NEW: { meaning: 'the store was written by a newer etcd-monitor' },
  MON_STORE_WRITE_FAILED: { meaning: 'writing samples to the store failed' },
  MON_UNAUTHORIZED: { meaning: 'log in first, or the session has expired, or the credentials are wrong', status: 401 },
} as const satisfies ErrorCatalogue;

/** statusOfCode is the HTTP status the monitor's or the etcd package's catalogue gives a code, if any. */
export function statusOfCode(code: string): number | undefined {
  const all = { ...ETCD_ERRORS, ...MON_ERRORS } as Readonly<Record<string, { status?: number }>>;
  return all[code]?.status;
}
