// What a value in etcd is, as far as its bytes tell: Kubernetes and most services store JSON, YAML or TOML as text, and
// protobuf (Kubernetes' own objects) as bytes that are not UTF-8. The key browser names the format and pretty-prints
// what it can; bytes it cannot read as text are shown as a hex dump, never as mojibake.

/** ValueFormat is what a value looks like: json, yaml, toml, text, or binary (shown as hex). */
export type ValueFormat = 'json' | 'yaml' | 'toml' | 'text' | 'binary';

/** ValueView is a value ready to show: its detected format and the text to draw (pretty JSON, the text itself, or a hex dump). */
export interface ValueView {
  /** format is the detected format. */
  format: ValueFormat;
  /** text is what to draw: JSON indented by two spaces, other text as stored, binary as a hex dump. */
  text: string;
  /** editable tells whether the value can be edited as text (binary cannot). */
  editable: boolean;
}

/** KvValue is a value as the API sends it: text when it is UTF-8, else base64. */
export interface KvValue {
  /** value is the value when it is UTF-8 text. */
  value?: string | undefined;
  /** valueBase64 is the value when it is not UTF-8 text. */
  valueBase64?: string | undefined;
}

/** base64Bytes decodes base64 into bytes (browser and Node alike). */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** textBase64 encodes text as UTF-8 and then base64, as etcdctl's JSON carries keys and values. */
export function textBase64(text: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** hexDump renders bytes as `offset  16 hex bytes  |ascii|` lines, as `hexdump -C` does. */
export function hexDump(bytes: Uint8Array, max = 64 * 1024): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, max);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

// Control characters other than tab, newline and carriage return: text with these is not meant to be read as text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** detectFormat tells what a text value looks like; `binary` for text with control characters. */
export function detectFormat(text: string): ValueFormat {
  if (CONTROL.test(text)) return 'binary';
  const t = text.trim();
  if (t === '') return 'text';
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      JSON.parse(t);
      return 'json';
    } catch {
      // `[section]` starts TOML too; fall through.
    }
  }
  const lines = t.split('\n').filter((l) => l.trim() !== '' && !/^\s*#/.test(l));
  const toml = lines.filter((l) => /^\s*\[\[?[A-Za-z0-9_.\-" ]+\]\]?\s*$/.test(l) || /^\s*[A-Za-z0-9_.\-"]+\s*=\s*\S/.test(l)).length;
  if (toml === lines.length && lines.some((l) => l.includes('='))) return 'toml';
  const yaml = lines.filter((l) => /^\s*(- |-$)/.test(l) || /^\s*[^\s:#][^:#]*:(\s|$)/.test(l) || /^\s+\S/.test(l) || l.trim() === '---').length;
  if (yaml === lines.length && (t.startsWith('---') || lines.some((l) => /^[^\s:#][^:#]*:(\s|$)/.test(l)))) return 'yaml';
  return 'text';
}

/** viewValue turns a value of the API into what the key browser draws. */
export function viewValue(v: KvValue): ValueView {
  if (v.valueBase64 !== undefined) return { format: 'binary', text: hexDump(base64Bytes(v.valueBase64)), editable: false };
  const text = v.value ?? '';
  const format = detectFormat(text);
  if (format === 'binary') return { format, text: hexDump(new TextEncoder().encode(text)), editable: false };
  if (format === 'json') return { format, text: JSON.stringify(JSON.parse(text), null, 2), editable: true };
  return { format, text, editable: true };
}
