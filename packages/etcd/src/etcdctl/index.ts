// etcdctl compatibility: its output writers and Go's JSON over etcd's messages.
export {
  Printer,
  UnsupportedFormat,
  OUTPUT_FORMATS,
  goTable,
  goDuration,
  goQuote,
  humanizeBytes,
  hex,
  hex16,
  type OutputFormat,
  type EpStatus,
  type EpHealth,
  type EpHashKV,
} from './print.ts';
export { goJson, goString } from './go-json.ts';
