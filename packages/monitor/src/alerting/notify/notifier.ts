import type { ConfigIssue, FieldSpec } from '@etcd-monitor/core';
import type { Notification, SendResult } from '../types.ts';

/** Sender is a configured channel's transport: it sends one notification once and says whether a failure is worth retrying. */
export interface Sender {
  /** send delivers n once; it never throws for receiver or network failures (they become `{ ok: false, retry }`) and gives up when signal aborts. */
  send(n: Notification, signal: AbortSignal): Promise<SendResult>;
}

/**
 * Notifier is one channel type: its config keys, which of them are secrets, and how to build a Sender from a checked
 * config. It handles transport only; retries, rate limits and ordering live in delivery/.
 */
export interface Notifier<C extends object = object> {
  /** type is the `type` value of a `[[channels]]` table. */
  type: string;
  /** doc is one sentence describing the channel type, for the config reference. */
  doc: string;
  /** fields are the type's own keys (besides `name` and `type`), checked with readFields. */
  fields: Record<string, FieldSpec>;
  /** secretFields name the keys that are stored encrypted and never shown back (passwords, tokens, URLs carrying tokens). */
  secretFields: string[];
  /** check finds problems readFields cannot (URL syntax, mail addresses, pairs of keys); issue paths start with path. */
  check?(config: C, path: string): ConfigIssue[];
  /** create builds the transport from a config that passed readFields and check, secrets included. */
  create(config: C): Sender;
}
