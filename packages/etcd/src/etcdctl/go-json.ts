// Go's encoding/json over etcd's gogo-generated structs, which is what `etcdctl -w json` prints: fields in .proto
// declaration order under their .proto names, zero values left out (every field is `omitempty`), 64-bit integers as
// bare JSON numbers (exact: they arrive as decimal strings), bytes as standard base64, enums as their numbers, a oneof
// as an object under its Go field names (`"Response":{"ResponsePut":{…}}`), and strings with Go's escapes.
import { goString } from '@etcd-monitor/core/parse';
import { enumDescriptors, messageDescriptors } from '../proto.ts';
import type { MessageDescriptor } from '../proto-json.ts';

export { goString };

type FieldDescriptor = MessageDescriptor['field'][number];

interface Resolved {
  full: string;
  desc: MessageDescriptor;
}

let messages: Map<string, MessageDescriptor> | undefined;
let enums: Map<string, Map<string, number>> | undefined;

function load(): void {
  if (messages) return;
  messages = new Map(Object.entries(messageDescriptors()));
  enums = new Map();
  for (const [full, desc] of messages) for (const en of desc.enumType) enums.set(`${full}.${en.name}`, new Map(en.value.map((v) => [v.name, v.number])));
  for (const [full, values] of Object.entries(enumDescriptors())) enums.set(full, new Map(values.map((v) => [v.name, v.number])));
}

/** resolve finds a type named in a field of `scope` (a full message name): nested, same package, or fully qualified. */
function resolve<T>(map: Map<string, T>, scope: string, typeName: string): [string, T] {
  const pkg = scope.slice(0, scope.indexOf('.'));
  for (const cand of [`${scope}.${typeName}`, `${pkg}.${typeName}`, typeName, ...['etcdserverpb', 'mvccpb', 'authpb'].map((p) => `${p}.${typeName}`)]) {
    const v = map.get(cand);
    if (v !== undefined) return [cand, v];
  }
  throw new Error(`go-json: unknown type ${typeName} in ${scope}`);
}

function message(full: string): Resolved {
  load();
  const desc = messages!.get(full);
  if (!desc) throw new Error(`go-json: unknown message ${full}`);
  return { full, desc };
}

const INT64 = new Set(['TYPE_INT64', 'TYPE_UINT64', 'TYPE_SINT64', 'TYPE_FIXED64', 'TYPE_SFIXED64']);
const INT32 = new Set(['TYPE_INT32', 'TYPE_UINT32', 'TYPE_SINT32', 'TYPE_FIXED32', 'TYPE_SFIXED32']);

/** goName is the Go field name protoc-gen-gogo gives a oneof: its .proto name in CamelCase. */
function goName(protoName: string): string {
  return protoName.replace(/(?:^|_)([a-z])/g, (_m, ch: string) => ch.toUpperCase());
}

function isZero(f: FieldDescriptor, v: unknown, scope: string): boolean {
  if (v === null || v === undefined) return true;
  if (f.label === 'LABEL_REPEATED') return (v as unknown[]).length === 0;
  if (f.type === 'TYPE_MESSAGE') return false;
  if (f.type === 'TYPE_BYTES') return (v as Uint8Array).length === 0;
  if (f.type === 'TYPE_STRING') return v === '';
  if (f.type === 'TYPE_BOOL') return v === false;
  if (f.type === 'TYPE_ENUM') return enumNumber(f, v, scope) === 0;
  return String(v) === '0';
}

function enumNumber(f: FieldDescriptor, v: unknown, scope: string): number {
  if (typeof v === 'number') return v;
  load();
  const [, values] = resolve(enums!, scope, f.typeName);
  const n = values.get(String(v));
  if (n === undefined) throw new Error(`go-json: ${String(v)} is not a value of ${f.typeName}`);
  return n;
}

function scalar(f: FieldDescriptor, v: unknown, scope: string): string {
  if (f.type === 'TYPE_MESSAGE') {
    const [full] = resolve(messages!, scope, f.typeName);
    return encodeMessage(full, v as Record<string, unknown>);
  }
  if (f.type === 'TYPE_BYTES') return goString(Buffer.from(v as Uint8Array).toString('base64'));
  if (f.type === 'TYPE_STRING') return goString(String(v));
  if (f.type === 'TYPE_BOOL') return v ? 'true' : 'false';
  if (f.type === 'TYPE_ENUM') return String(enumNumber(f, v, scope));
  if (INT64.has(f.type) || INT32.has(f.type)) return BigInt(v as string | number).toString();
  return JSON.stringify(v);
}

function encodeMessage(full: string, msg: Record<string, unknown>): string {
  const { desc } = message(full);
  const parts: string[] = [];
  // etcd's oneofs (RequestOp, ResponseOp, WatchRequest) hold only oneof members: one Go interface field.
  if (desc.oneofDecl.length > 0 && desc.field.every((x) => x.type === 'TYPE_MESSAGE')) {
    const set = desc.field.find((x) => msg[x.name] !== null && msg[x.name] !== undefined);
    const key = goString(goName(desc.oneofDecl[0]!.name));
    if (!set) return `{${key}:null}`;
    // The oneof's wrapper struct has no json tags either: its one field goes under its Go name too.
    return `{${key}:{${goString(goName(set.name))}:${scalar(set, msg[set.name], full)}}}`;
  }
  for (const fd of desc.field) {
    const v = msg[fd.name];
    if (isZero(fd, v, full)) continue;
    const body = fd.label === 'LABEL_REPEATED' ? `[${(v as unknown[]).map((x) => scalar(fd, x, full)).join(',')}]` : scalar(fd, v, full);
    parts.push(`${goString(fd.name)}:${body}`);
  }
  return `{${parts.join(',')}}`;
}

/** goJson renders one etcd message (`etcdserverpb.RangeResponse`, `mvccpb.Event`…) as Go's json.Marshal of etcd's struct does. */
export function goJson(messageName: string, msg: unknown): string {
  return encodeMessage(messageName, msg as Record<string, unknown>);
}

/** goHeaderFields renders a ResponseHeader's fields without braces, as Go prints a struct embedding *pb.ResponseHeader. */
export function goHeaderFields(header: unknown): string {
  if (header === null || header === undefined) return '';
  return goJson('etcdserverpb.ResponseHeader', header).slice(1, -1);
}
