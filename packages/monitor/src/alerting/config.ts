import type { ConfigIssue } from '@etcd-monitor/core';
import { BUILTIN_RULES, readRules, type CompiledRule } from './rules/index.ts';
import { readInhibitRules, readRoutes, type InhibitRule, type Route } from './dispatch/index.ts';
import { validateChannels, type ChannelConfig } from './notify/index.ts';

/** AlertingConfig is the checked alerting part of the config file: rules (built-ins plus overrides), routes, inhibition and channels. */
export interface AlertingConfig {
  /** rules are the built-in pack with the file's `[[rules]]` applied. */
  rules: CompiledRule[];
  /** routes send alerts to channels; without `[[routes]]` everything goes to every channel. */
  routes: Route[];
  /** inhibitRules mute symptoms while their cause fires. */
  inhibitRules: InhibitRule[];
  /** channels are the `[[channels]]` tables, secrets opened. */
  channels: ChannelConfig[];
  /** routesFromFile tells whether `[[routes]]` were given; they then make the routes API read-only, and without them the routes are the API's or the default, which follows the channels. */
  routesFromFile: boolean;
}

/** readAlertingConfig checks `[[rules]]`, `[[routes]]`, `[[inhibit_rules]]` and `[[channels]]`, collecting issues by key path. */
export function readAlertingConfig(doc: Record<string, unknown>, issues: ConfigIssue[]): AlertingConfig {
  const ch = validateChannels(doc.channels);
  issues.push(...ch.issues);
  const names = ch.channels.map((c) => c.name);
  return {
    rules: readRules(doc.rules, BUILTIN_RULES, issues),
    routes: doc.routes === undefined ? fastCriticalRoutes(readRoutes(undefined, names, issues)) : readRoutes(doc.routes, names, issues),
    inhibitRules: readInhibitRules(doc.inhibit_rules, issues),
    channels: ch.channels,
    routesFromFile: doc.routes !== undefined,
  };
}

/**
 * fastCriticalRoutes puts a route in front of the default one that sends critical alerts with no group wait: a lost
 * leader or quorum must page within seconds, not after Alertmanager's 30 s batching. Everything else keeps the defaults.
 */
export function fastCriticalRoutes(defaults: Route[]): Route[] {
  if (defaults.length === 0) return defaults;
  const d = defaults[0]!;
  return [{ ...d, severities: ['critical'], groupWait: 0, groupInterval: 10_000 }, ...defaults];
}
