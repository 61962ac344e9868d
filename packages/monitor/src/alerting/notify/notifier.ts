import type { ConfigIssue, FieldSpec, FieldValues } from '@etcd-monitor/core';
import type { Notification, SendResult } from '../types.ts';

/** Sender is a configured channel's transport: it sends one notification once and says whether a failure is worth retrying. */
export interface Sender {
  /** send delivers n once; it never throws for receiver or network failures (they become `{ ok: false, retry }`) and gives up when signal aborts. */
  send(n: Notification, signal: AbortSignal): Promise<SendResult>;
}

/** NotifierField is one key of a channel type: a config field spec plus whether it is a secret and what the UI form shows. */
export interface NotifierField extends FieldSpec {
  /** label names the key in the UI form. */
  label: string;
  /** secret marks a key stored encrypted and never shown back (passwords, tokens, URLs carrying tokens). */
  secret?: boolean;
  /** placeholder is the example an empty form input shows (default: the field's default). */
  placeholder?: string;
  /** hint is a short note under the form input. */
  hint?: string;
  /** check names the syntax the form checks before saving, mirroring the notifier's own `check`: an absolute http(s) URL, a mail address, a PagerDuty integration key. */
  check?: 'url' | 'address' | 'key';
}

/**
 * Notifier is one channel type: its config keys, which of them are secrets, and how to build a Sender from a checked
 * config. It handles transport only; retries, rate limits and ordering live in delivery/. Write one with `defineNotifier`.
 */
export interface Notifier<C extends object = object> {
  /** type is the `type` value of a `[[channels]]` table. */
  type: string;
  /** label names the channel type in the UI. */
  label: string;
  /** doc is one sentence describing the channel type, for the config reference. */
  doc: string;
  /** fields are the type's own keys (besides `name` and `type`), checked with readFields, in the order the UI form shows them. */
  fields: Record<string, NotifierField>;
  /** secretFields name the keys marked `secret` (derived from fields by defineNotifier). */
  secretFields: string[];
  /** check finds problems readFields cannot (URL syntax, mail addresses, pairs of keys); issue paths start with path. */
  check?(config: C, path: string): ConfigIssue[];
  /** create builds the transport from a config that passed readFields and check, secrets included. */
  create(config: C): Sender;
}

/** NotifierSpec is what `defineNotifier` takes: the fields, and `check`/`create` typed by the config those fields give. */
export interface NotifierSpec<F extends Record<string, NotifierField>> {
  /** type is the `type` value of a `[[channels]]` table (also the folder name). */
  type: string;
  /** label names the channel type in the UI. */
  label: string;
  /** doc is one sentence describing the channel type, starting with the type. */
  doc: string;
  /** fields are the type's own keys; the config's type is inferred from them. */
  fields: F;
  /** check finds problems readFields cannot; issue paths start with path. */
  check?(config: FieldValues<F>, path: string): ConfigIssue[];
  /** create builds the transport from a checked config, secrets included (durations in milliseconds). */
  create(config: FieldValues<F>): Sender;
}

/** notifierFields returns its argument, keeping the literal types `FieldValues` infers a channel's config type from (write `type XConfig = FieldValues<typeof fields>`). */
export function notifierFields<const F extends Record<string, NotifierField>>(fields: F): F {
  return fields;
}

/** defineNotifier declares a channel type from its field specs: the config's type is inferred from them and the secret keys are the fields marked `secret`. */
export function defineNotifier<const F extends Record<string, NotifierField>>(spec: NotifierSpec<F>): Notifier<FieldValues<F>> {
  const secretFields = Object.entries(spec.fields).flatMap(([k, f]) => (f.secret ? [k] : []));
  const n: Notifier<FieldValues<F>> = { type: spec.type, label: spec.label, doc: spec.doc, fields: spec.fields, secretFields, create: (c) => spec.create(c) };
  if (spec.check) n.check = (c, path) => spec.check!(c, path);
  return n;
}
