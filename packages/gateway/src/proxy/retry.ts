// The retry policy and what a failed attempt says about its server: which failures may go to another server, which are
// the client's own (neither health nor the breaker hear of them), which count as timeouts (504).
import { UPSTREAM_CODES } from '../upstream/pool.ts';

// A reset (typically a keep-alive connection the server closed as it was reused) may have reached the server: idempotent methods only.
const RESETS = new Set(['ECONNRESET', 'EPIPE']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const TIMEOUT_CODES = new Set<string>([UPSTREAM_CODES.headersTimeout, UPSTREAM_CODES.bodyTimeout, UPSTREAM_CODES.connectTimeout, 'ETIMEDOUT', 'GW_WRITE_TIMEOUT']);
const FAILURE_STATUSES = new Set([502, 503, 504]);
// Failures of the client's side of an exchange (its body) or of the request the gateway built (a plugin's invalid header),
// which say nothing about the upstream server.
const CLIENT_FAULTS = new Set(['GW_BAD_REQUEST_BODY', 'GW_BODY_TOO_LARGE', 'GW_REQUEST_BODY_FAILED', 'GW_BAD_HEADER']);

/**
 * retryable tells whether a failed attempt may go to another server. A request the pool never started writing (connect
 * refused, unreachable or timed out, TLS handshake failed, no connection free within connection_timeout) sent nothing —
 * not a byte of its body either, which is read only once a connection takes it — so it may, whatever its method or
 * body. Once written, only a reset of a body-less or buffered (`replayable`) idempotent request is replayed.
 */
export function retryable(code: string, started: boolean, method: string, replayable: boolean): boolean {
  if (started) return RESETS.has(code) && IDEMPOTENT.has(method) && replayable;
  // The pool's own codes say what the server did (a connect timeout), except a closed pool; the gateway's other codes are
  // the client's side (its body) or the gateway's, which another server would not change.
  if (code.startsWith('GW_UPSTREAM_')) return code !== UPSTREAM_CODES.poolClosed;
  return !code.startsWith('GW_');
}

/** isTimeout tells whether a failure code is a timeout (answered 504). */
export function isTimeout(code: string): boolean {
  return TIMEOUT_CODES.has(code);
}

/** isClientFault tells whether a failure was the client's (its body) or the gateway's request, not the server's. */
export function isClientFault(code: string): boolean {
  return CLIENT_FAULTS.has(code);
}

/** isFailureStatus tells whether an upstream answer counts against its server's health (502, 503, 504). */
export function isFailureStatus(status: number): boolean {
  return FAILURE_STATUSES.has(status);
}
