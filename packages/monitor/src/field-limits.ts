import type { FieldSpec } from '@etcd-monitor/core';

/** FIELD_LIMITS are the monitor's size limits for config and API values whose spec sets none. */
export const FIELD_LIMITS = { maxLength: 4096, maxItems: 256, durationLength: 32 } as const;

/**
 * capped fills in the monitor's size limits where a spec sets none: strings, list items and table values at most
 * 4096 characters, lists and tables at most 256 entries, durations at most 32 characters and written with their unit.
 * Every table of the config file and every API body read with field specs goes through it, so a 900 KB value or a
 * bare `5` meant as a duration is refused with the field's name instead of stored.
 */
export function capped(fields: Record<string, FieldSpec>): Record<string, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  for (const [name, spec] of Object.entries(fields)) {
    switch (spec.kind) {
      case 'string':
        out[name] = { maxLength: FIELD_LIMITS.maxLength, ...spec };
        break;
      case 'strings':
      case 'table':
        out[name] = { maxLength: FIELD_LIMITS.maxLength, maxItems: FIELD_LIMITS.maxItems, ...spec };
        break;
      case 'duration':
        out[name] = { maxLength: FIELD_LIMITS.durationLength, strict: true, ...spec };
        break;
      default:
        out[name] = spec;
    }
  }
  return out;
}
