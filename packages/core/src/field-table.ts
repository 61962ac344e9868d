// Options tables for extension READMEs (gateway plugins, alert notifiers), rendered from the same field specs the config
// is read with, so a README cannot drift from what the code accepts.
import { boundText, type FieldSpec } from './config-fields.ts';

/** TableField is a field spec as an options table shows it; `secret` marks keys stored encrypted (notifiers). */
export interface TableField extends FieldSpec {
  /** secret marks a key that is stored encrypted and never shown back. */
  secret?: boolean;
}

const BEGIN = '<!-- options: generated from the field specs; a test fails when this table is stale -->';
const END = '<!-- /options -->';

const KIND: Record<FieldSpec['kind'], string> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  duration: 'duration',
  size: 'size',
  strings: 'array of strings',
  table: 'table',
};

function bound(spec: FieldSpec, n: number): string {
  return spec.kind === 'duration' ? boundText(n) : String(n);
}

function typeText(spec: TableField): string {
  let t = spec.oneOf
    ? spec.oneOf
        .filter(Boolean)
        .map((v) => `\`${v}\``)
        .join(' \\| ')
    : KIND[spec.kind];
  if (spec.min !== undefined && spec.max !== undefined) t += ` ${bound(spec, spec.min)}–${bound(spec, spec.max)}`;
  else if (spec.min !== undefined) t += ` ≥ ${bound(spec, spec.min)}`;
  else if (spec.max !== undefined) t += ` ≤ ${bound(spec, spec.max)}`;
  return spec.secret ? `${t}, **secret**` : t;
}

function defaultText(spec: FieldSpec): string {
  if (spec.required) return 'required';
  if (spec.default === undefined) return '—';
  if (Array.isArray(spec.default)) return `\`${JSON.stringify(spec.default)}\``;
  if (spec.default === '') return '`""`';
  return `\`${spec.default}\``;
}

/** renderFieldTable renders fields as a Markdown options table: key (with its other accepted names), type, default and the field's doc sentence. */
export function renderFieldTable(fields: Record<string, TableField>): string {
  const rows = Object.entries(fields).map(([key, spec]) => {
    const names = `\`${key}\`${spec.aliases?.length ? ` (${spec.aliases.map((a) => `\`${a}\``).join(', ')})` : ''}`;
    return `| ${names} | ${typeText(spec)} | ${defaultText(spec)} | ${spec.doc.replace(/\|/g, '\\|')} |`;
  });
  return [BEGIN, '', '| key | type | default | description |', '|---|---|---|---|', ...rows, '', END].join('\n');
}

/**
 * spliceFieldTable puts a rendered table into a README: between the markers of an earlier one, else in place of the
 * README's first Markdown table (the hand-written one it replaces), else at the end.
 */
export function spliceFieldTable(readme: string, table: string): string {
  const b = readme.indexOf(BEGIN);
  const e = readme.indexOf(END);
  if (b >= 0 && e > b) return readme.slice(0, b) + table + readme.slice(e + END.length);
  const lines = readme.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  if (first < 0) return `${readme.trimEnd()}\n\n${table}\n`;
  let last = first;
  while (last + 1 < lines.length && lines[last + 1]!.startsWith('|')) last++;
  return [...lines.slice(0, first), table, ...lines.slice(last + 1)].join('\n');
}
