import { matchesAll, tryDuration } from '@etcd-monitor/core/parse';
import { parseMatcherLines, textLines } from '../../lib/matchers.ts';

/** SilenceValues are the silence form's raw inputs, as typed. */
export interface SilenceValues {
  /** matchers is one matcher a line: name="value", name!="value", name=~"re" or name!~"re" (quotes optional). */
  matchers: string;
  /** duration is how long the silence holds from now, as the API reads it: 90s, 30m, 2h, 1d12h, 1w. */
  duration: string;
  createdBy: string;
  comment: string;
}

/** matchersFromLabels pre-fills a silence from an alert's labels: one `name="value"` line per label, alertname first. */
export function matchersFromLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels)
    .filter((k) => k !== 'severity')
    .sort((a, b) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a.localeCompare(b)));
  return keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join('\n');
}

/** validateSilence checks the form with the monitor's own parsers, so mistakes show at the field before a round trip. */
export function validateSilence(v: SilenceValues): Partial<Record<keyof SilenceValues, string>> {
  const e: Partial<Record<keyof SilenceValues, string>> = {};
  const lines = textLines(v.matchers);
  if (lines.length === 0) e.matchers = 'Give at least one matcher, e.g. cluster="prod".';
  else {
    const parsed = parseMatcherLines(lines);
    if (parsed.error !== undefined) e.matchers = parsed.error;
    // The monitor refuses these too: a silence that mutes every alert.
    else if (matchesAll(parsed.matchers, {})) e.matchers = 'These matchers match every alert: add one that requires a label value, e.g. cluster="prod".';
  }
  const ms = tryDuration(v.duration);
  if (ms === undefined || !(ms > 0)) e.duration = 'Write a duration such as 90s, 30m, 2h, 1d or 1w.';
  if (!v.createdBy.trim()) e.createdBy = 'Required: who is silencing.';
  if (!v.comment.trim()) e.comment = 'Required: say why (a ticket, a maintenance window).';
  return e;
}

/** toSilenceInput is the body of `POST /api/v1/silences` for valid form values; the monitor counts `duration` from now. */
export function toSilenceInput(v: SilenceValues) {
  return { matchers: textLines(v.matchers), duration: v.duration.trim(), createdBy: v.createdBy.trim(), comment: v.comment.trim() };
}

/** silenceField maps a field the API names in a 400 (matchers, matchers[1], duration, endsAt, …) to the form field that shows it. */
export function silenceField(field: string | undefined): keyof SilenceValues | undefined {
  if (!field) return undefined;
  if (field.startsWith('matchers')) return 'matchers';
  if (field === 'duration' || field === 'endsAt' || field === 'startsAt') return 'duration';
  if (field === 'createdBy' || field === 'comment') return field;
  return undefined;
}
