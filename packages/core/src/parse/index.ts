// The parsers both sides of the API use: the monitor and the CLI to validate, the web UI to check a form before it is
// sent, so the two cannot disagree; and etcdctl's output formatting, which the CLI and the web console share. Browser-safe: nothing here (or below) imports from Node or a logger; a test walks
// the import graph to keep it that way.
export { parseDuration, tryDuration } from './duration.ts';
export { parseMatcher, parseMatchers, matcherMatches, matchesAll, formatMatcher, type Matcher } from './matchers.ts';
export { parseEndpoints } from './endpoints.ts';
export { parseHostPort, checkHostPort, hostPortHint, formatHostPort, isIPv4, isIPv6, type HostPort, type HostPortOptions } from './host-port.ts';
export {
  parseCtl,
  ctlUsage,
  ctlCompletions,
  parseGoBool,
  CTL_COMMANDS,
  CTL_GLOBAL_FLAGS,
  CTL_GROUPS,
  CTL_EXIT,
  type CtlCommand,
  type CtlFlag,
  type CtlFlagType,
  type CtlParsed,
  type CtlParseError,
} from './etcdctl.ts';
export {
  alarmJson,
  alarmLines,
  endpointHashKVJson,
  endpointHealthJson,
  endpointHealthLines,
  endpointStatusJson,
  endpointStatusRows,
  goDuration,
  goString,
  goTable,
  hashKVJson,
  headerJson,
  headerOnlyJson,
  hex,
  hex16,
  humanizeBytes,
  memberJson,
  memberListJson,
  memberRows,
  rowsText,
  statusJson,
  type EpHealthRow,
  type EtcdAlarm,
  type EtcdHashKV,
  type EtcdHeader,
  type EtcdMember,
  type EtcdStatus,
} from './etcdctl-print.ts';
export { parseTxn, splitTxnSections, type TxnCompareInput, type TxnInput, type TxnOpInput, type TxnTarget } from './txn.ts';
