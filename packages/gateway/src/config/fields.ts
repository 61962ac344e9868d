// The field-spec reader lives in core so the monitor's config shares it; the gateway imports it from here.
export { readFields, defaultValue, formatIssue, type FieldSpec, type FieldKind, type FieldValue, type FieldValues, type ConfigIssue } from '@etcd-monitor/core';
