import type { Alarm, StatusResult } from './client.ts';
import { idToHex } from './ids.ts';

// etcd ≥ 3.4 lists every active alarm in the Status response's `errors`, as the protobuf text of an AlarmMember:
// "memberID:12161094224444909533 alarm:NOSPACE " (measured on 3.4.23). Reading alarms from there costs nothing, while
// the Alarm RPC is a raft proposal in 3.4: one WAL entry and an fsync on every member per call.
const ALARM_TEXT = /^\s*memberID:\s*(\d+)\s+alarm:\s*([A-Z_]+)\s*$/;

/** StatusAlarms is what Status answers say about the cluster's alarms. */
export interface StatusAlarms {
  /** alarms are the alarms read from the answers' `errors`, one per member and kind. */
  alarms: Alarm[];
  /** complete is false when an answer cannot be trusted to list alarms (a server before 3.4, or an alarm text not understood); only then is the Alarm RPC worth its raft entry. */
  complete: boolean;
  /** unparsed are `errors` entries that mention an alarm but could not be read. */
  unparsed: string[];
}

/** isAlarmText tells whether a Status `errors` entry reports an alarm rather than a condition such as "etcdserver: no leader". */
export function isAlarmText(e: string): boolean {
  return /\balarm:/.test(e);
}

/** alarmsFromStatus reads the active alarms from the `errors` of one or more members' Status answers. */
export function alarmsFromStatus(statuses: Array<Pick<StatusResult, 'errors' | 'version'>>): StatusAlarms {
  const seen = new Map<string, Alarm>();
  const unparsed: string[] = [];
  let complete = true;
  for (const s of statuses) {
    if (!statusListsAlarms(s.version)) complete = false;
    for (const e of s.errors) {
      if (!isAlarmText(e)) continue;
      const m = ALARM_TEXT.exec(e);
      if (!m) {
        unparsed.push(e);
        complete = false;
        continue;
      }
      const a = { memberId: idToHex(m[1]!), alarm: m[2]! };
      seen.set(`${a.memberId}/${a.alarm}`, a);
    }
  }
  return { alarms: [...seen.values()], complete, unparsed };
}

/** statusListsAlarms tells whether a server version fills Status `errors` with its alarms (etcd 3.4 and later). */
export function statusListsAlarms(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 3 || (major === 3 && minor >= 4);
}
