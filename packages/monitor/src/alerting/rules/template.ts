import { AppError, didYouMean, formatBytes, formatDuration } from '@etcd-monitor/core';

/** TemplateData is what `{{ … }}` placeholders in a rule's summary and description can name. */
export interface TemplateData {
  /** labels are the alert's labels: `{{ $labels.member }}`. */
  labels: Record<string, string>;
  /** value is the expression's value: `{{ $value }}`. */
  value: number | undefined;
  /** threshold is the constant the rule compares against: `{{ $threshold }}`. */
  threshold: number | undefined;
  /** runbook is the rule's runbook hint: `{{ $runbook }}`. */
  runbook: string | undefined;
}

const VARS = ['$labels', '$value', '$threshold', '$cluster', '$member', '$runbook'];
const PIPES: Record<string, (v: unknown) => string> = {
  humanize: (v) => (typeof v === 'number' ? humanize(v) : String(v ?? '')),
  humanizePercentage: (v) => (typeof v === 'number' ? `${humanize(v * 100)}%` : String(v ?? '')),
  humanizeDuration: (v) => (typeof v === 'number' ? formatDuration(v * 1000) : String(v ?? '')),
  humanize1024: (v) => (typeof v === 'number' ? formatBytes(v) : String(v ?? '')),
};
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/** checkTemplate rejects placeholders that name nothing, so a typo fails at config load instead of printing blanks at 3 a.m. */
export function checkTemplate(text: string, field: string): void {
  for (const m of text.matchAll(PLACEHOLDER)) {
    const [ref, ...pipes] = m[1]!.split('|').map((x) => x.trim());
    const root = ref!.split('.')[0]!;
    if (!VARS.includes(root)) throw new AppError('MON_RULE_TEMPLATE', `${field}: unknown placeholder "{{ ${m[1]} }}"`, { field, hint: didYouMean(root, VARS) });
    if (root === '$labels' && !/^\$labels\.[A-Za-z_][A-Za-z0-9_]*$/.test(ref!))
      throw new AppError('MON_RULE_TEMPLATE', `${field}: "{{ ${m[1]} }}" must name a label`, { field, hint: 'write {{ $labels.member }}' });
    for (const p of pipes)
      if (!PIPES[p]) throw new AppError('MON_RULE_TEMPLATE', `${field}: unknown function "${p}" in "{{ ${m[1]} }}"`, { field, hint: didYouMean(p, Object.keys(PIPES)) });
  }
}

/** renderTemplate fills `{{ $labels.x }}`, `{{ $value }}`, `{{ $threshold }}`, `{{ $cluster }}`, `{{ $member }}`, `{{ $runbook }}`, with optional `| humanize…` pipes. */
export function renderTemplate(text: string, d: TemplateData): string {
  return text.replace(PLACEHOLDER, (_all, inner: string) => {
    const [ref, ...pipes] = inner.split('|').map((x) => x.trim());
    let v: unknown;
    if (ref!.startsWith('$labels.')) v = d.labels[ref!.slice(8)] ?? '';
    else if (ref === '$value') v = d.value;
    else if (ref === '$threshold') v = d.threshold;
    else if (ref === '$cluster') v = d.labels.cluster ?? '';
    else if (ref === '$member') v = d.labels.member ?? '';
    else if (ref === '$runbook') v = d.runbook ?? '';
    for (const p of pipes) v = PIPES[p]?.(v) ?? v;
    if (typeof v === 'number') return humanize(v);
    return v === undefined ? '' : String(v);
  });
}

/** humanize prints a number with at most four significant digits and no exponent for everyday magnitudes. */
export function humanize(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0 || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e15) return String(Number(v.toPrecision(4)));
  return v.toExponential(3);
}
