/** SilenceValues are the silence form's raw inputs, as typed. */
export interface SilenceValues {
  /** matchers is one matcher a line: name="value", name!="value", name=~"re" or name!~"re". */
  matchers: string;
  /** duration is how long the silence holds from now: 30m, 2h, 1d, 1d12h. */
  duration: string;
  createdBy: string;
  comment: string;
}

const MATCHER = /^[A-Za-z_][A-Za-z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"$/;
const DURATION = /^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?$/;

/** matcherLines splits the matchers textarea into trimmed, non-empty lines. */
export function matcherLines(s: string): string[] {
  return s.split('\n').map((x) => x.trim()).filter(Boolean);
}

/** matchersFromLabels pre-fills a silence from an alert's labels: one `name="value"` line per label, alertname first. */
export function matchersFromLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).filter((k) => k !== 'severity').sort((a, b) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a.localeCompare(b)));
  return keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join('\n');
}

/** durationMs reads 30m, 2h, 1d or 1d12h; undefined when it is none of these or zero. */
export function durationMs(s: string): number | undefined {
  const m = DURATION.exec(s.trim());
  if (!m || !s.trim()) return undefined;
  const ms = ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
  return ms > 0 ? ms : undefined;
}

/** validateSilence checks the form the way the monitor will, so mistakes show at the field before a round trip. */
export function validateSilence(v: SilenceValues): Partial<Record<keyof SilenceValues, string>> {
  const e: Partial<Record<keyof SilenceValues, string>> = {};
  const lines = matcherLines(v.matchers);
  if (lines.length === 0) e.matchers = 'Give at least one matcher, e.g. cluster="prod".';
  else {
    const bad = lines.find((l) => !MATCHER.test(l));
    if (bad) e.matchers = `"${bad}" is not name="value" (or !=, =~, !~ with the value in double quotes).`;
  }
  if (durationMs(v.duration) === undefined) e.duration = 'Write a duration such as 30m, 2h or 1d.';
  if (!v.createdBy.trim()) e.createdBy = 'Required: who is silencing.';
  if (!v.comment.trim()) e.comment = 'Required: say why (a ticket, a maintenance window).';
  return e;
}

/** toSilenceInput is the body of `POST /api/v1/silences` for valid form values, ending `duration` after now. */
export function toSilenceInput(v: SilenceValues, now = Date.now()) {
  return { matchers: matcherLines(v.matchers), endsAt: new Date(now + durationMs(v.duration)!).toISOString(), createdBy: v.createdBy.trim(), comment: v.comment.trim() };
}

/** silenceField maps a field the API names in a 400 (matchers, matchers[1], endsAt, …) to the form field that shows it. */
export function silenceField(field: string | undefined): keyof SilenceValues | undefined {
  if (!field) return undefined;
  if (field.startsWith('matchers')) return 'matchers';
  if (field === 'endsAt' || field === 'startsAt') return 'duration';
  if (field === 'createdBy' || field === 'comment') return field;
  return undefined;
}
