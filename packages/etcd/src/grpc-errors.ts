import * as grpc from '@grpc/grpc-js';
import { AppError } from '@etcd-monitor/core/errors';
import type { ConnectionOptions } from './options.ts';

/** isAuthTokenError tells whether etcd rejected the call's auth token (expired or revoked), which a new token fixes. */
export function isAuthTokenError(err: unknown): boolean {
  return err instanceof AppError && err.code === 'ETCD_AUTH_TOKEN';
}

/**
 * describeGrpcError turns a gRPC failure into one AppError line that names the endpoint, the problem and the fix.
 * gRPC reports most connection problems as UNAVAILABLE with the cause buried in `details`; this digs it out.
 */
export function describeGrpcError(err: unknown, endpoint: string, opts: ConnectionOptions, timeoutMs = opts.commandTimeoutMs): AppError {
  if (err instanceof AppError) return err;
  const e = err as Partial<grpc.ServiceError>;
  const details = String(e.details ?? e.message ?? err);
  const make = (code: Parameters<typeof mk>[0], message: string, hint?: string) => mk(code, `${endpoint}: ${message}`, hint, err);

  if (e.code === grpc.status.DEADLINE_EXCEEDED) {
    return make(
      'ETCD_TIMEOUT',
      `timed out after ${timeoutMs} ms`,
      "the member may be frozen, overloaded or partitioned; if it is just slow, raise the call timeout (--command-timeout, or the cluster's `timeout`)",
    );
  }
  if (/authentication failed|invalid user ID or password/i.test(details)) {
    return make(
      'ETCD_AUTH_FAILED',
      `authentication failed for user "${opts.auth?.username ?? ''}": wrong user name or password`,
      'check --user/--password (or ETCDCTL_USER/ETCDCTL_PASSWORD)',
    );
  }
  if (/authentication is not enabled/i.test(details)) return make('ETCD_AUTH_NOT_ENABLED', 'authentication is not enabled on this cluster');
  if (/invalid auth token/i.test(details)) return make('ETCD_AUTH_TOKEN', 'auth token rejected (expired or revoked)');
  // "user name not found" answers a call whose identity etcd cannot place (a TLS CN that is no user); with --user
  // given it is the answer to a user call naming a user that does not exist, which is etcd's own error.
  if (/user name is empty/i.test(details) || (!opts.auth && /user name not found/i.test(details))) {
    return make('ETCD_AUTH_REQUIRED', 'this cluster requires authentication', 'pass --user NAME:PASSWORD');
  }
  if (e.code === grpc.status.PERMISSION_DENIED || /permission denied/i.test(details)) {
    return make('ETCD_PERMISSION_DENIED', `permission denied for user "${opts.auth?.username ?? ''}"`, 'grant the user a role with the needed permission');
  }
  // etcd's own refusals carry the cause in etcd's words; they come as UNAVAILABLE too, but the member did answer.
  const server = /etcdserver: .*/.exec(details);
  if (server) {
    const [code, hint] = serverErrorHint(server[0]);
    return make(code, server[0], hint);
  }
  if (/ECONNREFUSED/.test(details)) return make('ETCD_UNREACHABLE', 'connection refused', 'is the member running and listening on this address?');
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|Name resolution failed/i.test(details)) {
    return make('ETCD_UNREACHABLE', 'cannot resolve the host name', 'check the host in --endpoints');
  }
  if (/EHOSTUNREACH|ENETUNREACH/.test(details)) return make('ETCD_UNREACHABLE', 'host unreachable', 'check the address and the network path');
  if (/alert (bad certificate|certificate required|unknown ca|handshake failure)|sslv3 alert/i.test(details)) {
    return make(
      'ETCD_TLS',
      'the server rejected our client certificate',
      opts.tls?.cert ? 'check --cert/--key: the cluster must trust their CA' : 'the cluster requires client certificates: pass --cert and --key',
    );
  }
  if (/self[- ]signed|unable to (get|verify)|certificate|CERT_|UNABLE_TO/i.test(details) && !/client certificate/i.test(details)) {
    const why = /Hostname\/IP does not match|altnames|ERR_TLS_CERT_ALTNAME/i.test(details)
      ? 'the server certificate does not match the host name'
      : 'the server certificate is not trusted (unknown or self-signed CA)';
    return make(
      'ETCD_TLS',
      `TLS handshake failed: ${why}`,
      opts.tls?.ca ? 'check that --cacert is the CA that signed the cluster certificates' : 'pass --cacert with the CA that signed the cluster certificates',
    );
  }
  if (/wrong version number|packet length too long|http_request|WRONG_VERSION/i.test(details)) {
    return make('ETCD_TLS', 'TLS handshake failed: the endpoint does not speak TLS', 'use an http:// endpoint for this member');
  }
  if (e.code === grpc.status.UNAVAILABLE && /Connection dropped|Protocol error|ECONNRESET|socket hang up|Stream removed/i.test(details) && endpoint.startsWith('http:')) {
    return make(
      'ETCD_UNREACHABLE',
      /^connection dropped$/i.test(shorten(details)) ? 'connection dropped' : `connection dropped (${shorten(details)})`,
      'if the member uses TLS, use an https:// endpoint and --cacert',
    );
  }
  if (e.code === grpc.status.UNAVAILABLE) return make('ETCD_UNREACHABLE', shorten(details), 'is the member running and reachable?');
  return make('ETCD_CALL_FAILED', shorten(details));
}

const SERVER_CODES: Array<[RegExp, `ETCD_${string}`]> = [
  [/requested lease not found/, 'ETCD_LEASE_NOT_FOUND'],
  [/lease already exists/, 'ETCD_LEASE_EXISTS'],
  [/too large lease TTL/, 'ETCD_LEASE_TTL_TOO_LARGE'],
  [/user name already exists/, 'ETCD_USER_EXISTS'],
  [/user name not found/, 'ETCD_USER_NOT_FOUND'],
  [/role name already exists/, 'ETCD_ROLE_EXISTS'],
  [/role name not found/, 'ETCD_ROLE_NOT_FOUND'],
  [/role is not granted to the user/, 'ETCD_ROLE_NOT_GRANTED'],
  [/permission is not granted to the role/, 'ETCD_PERMISSION_NOT_GRANTED'],
  [/root user does not exist|root user does not have root role/, 'ETCD_ROOT_MISSING'],
  [/invalid auth management/, 'ETCD_AUTH_MANAGEMENT'],
];

/** serverErrorHint gives the stable code and the hint that fit one of etcd's own error texts ("etcdserver: …"). */
function serverErrorHint(text: string): [`ETCD_${string}`, string | undefined] {
  if (/no leader/.test(text))
    return ['ETCD_NO_LEADER', 'the member has no leader: quorum is lost or an election is under way; bring back the down members and check the peer network (port 2380)'];
  if (/leader changed/.test(text)) return ['ETCD_LEADER_CHANGED', 'a leader election happened during the call; retry'];
  if (/request timed out/.test(text))
    return ['ETCD_SERVER_TIMEOUT', 'etcd could not commit the request in time: check disk latency (WAL fsync) and whether a quorum of members is reachable'];
  if (/too many requests/.test(text)) return ['ETCD_OVERLOADED', 'the member is too far behind applying entries; reduce the load or check its disk'];
  if (/database space exceeded/.test(text)) return ['ETCD_NOSPACE', 'the NOSPACE alarm is raised: compact, defragment, then `etcdctl alarm disarm`'];
  if (/required revision has been compacted/.test(text))
    return ['ETCD_COMPACTED', 'that revision is gone: read a newer one (etcdctl get without --rev shows the current revision)'];
  if (/not capable|not supported for learner/.test(text)) return ['ETCD_NOT_SUPPORTED', 'the member cannot serve this call (a learner, or an older version)'];
  // Codes for etcd's refusals of lease, user and role calls; no hint, so `ctl` prints etcd's words as etcdctl does.
  for (const [re, code] of SERVER_CODES) if (re.test(text)) return [code, undefined];
  return ['ETCD_SERVER', undefined];
}

function mk(code: `ETCD_${string}`, message: string, hint: string | undefined, cause: unknown): AppError {
  return new AppError(code, message, { hint, cause });
}

function shorten(details: string): string {
  const text = details
    .replace(/^No connection established\. Last error: /, '')
    // grpc-js fails a call on a channel in transient failure with its subchannel's last error, which can be absent:
    // "null. Resolution note: " says nothing, so the line says what is known — no connection could be made.
    .replace(/^(null|undefined)?\.?\s*Resolution note:\s*/, '')
    .replace(/^(null|undefined)$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  return text || 'no connection (gRPC gave no reason)';
}
