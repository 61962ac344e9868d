// Writes proto/etcd.json from proto/*.proto: the .proto files as protobufjs reads them (its JSON form, which services.ts
// loads with protobufjs/light) and the message descriptors go-json.ts renders with, taken from @grpc/proto-loader's
// definition. Generated ahead so that no process parses .proto text or builds a descriptor for every message at start
// (that took ~65 ms of each `etcd-monitor ctl` run). After editing a .proto file run
//   node packages/etcd/src/proto-json.ts
// proto-json.test.ts fails while the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));

/** PROTO_JSON is the path of the generated file. */
export const PROTO_JSON = `${PROTO_DIR}etcd.json`;

/** ProtoJson is the generated file's content. */
export interface ProtoJson {
  /** root is protobufjs' JSON of rpc.proto and its imports (keepCase: field names as in the .proto files). */
  root: protobuf.INamespace;
  /** messages are the message descriptors by full name, with only what go-json reads. */
  messages: Record<string, MessageDescriptor>;
  /** enums are the top-level enums' values by full name. */
  enums: Record<string, Array<{ name: string; number: number }>>;
}

/** MessageDescriptor is a message's fields, oneofs and nested enums as descriptor.proto names them. */
export interface MessageDescriptor {
  /** field are the fields in declaration order. */
  field: Array<{ name: string; type: string; label: string; typeName: string }>;
  /** oneofDecl are the oneofs. */
  oneofDecl: Array<{ name: string }>;
  /** enumType are the nested enums. */
  enumType: Array<{ name: string; value: Array<{ name: string; number: number }> }>;
}

/** buildProtoJson reads proto/*.proto and returns the text of proto/etcd.json. */
export function buildProtoJson(): string {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => `${PROTO_DIR}${target.replace(/^\.\//, '')}`;
  root.loadSync('rpc.proto', { keepCase: true });
  root.resolveAll();
  const def = protoLoader.loadSync(`${PROTO_DIR}rpc.proto`, { keepCase: true, includeDirs: [PROTO_DIR] });
  const out: ProtoJson = { root: strip(root.toJSON()) as protobuf.INamespace, messages: {}, enums: {} };
  for (const [full, entry] of Object.entries(def)) {
    const e = entry as { format?: string; type?: Record<string, unknown> };
    if (e.format === 'Protocol Buffer 3 DescriptorProto') {
      const d = e.type as unknown as MessageDescriptor;
      out.messages[full] = {
        field: d.field.map((f) => ({ name: f.name, type: f.type, label: f.label, typeName: f.typeName })),
        oneofDecl: d.oneofDecl.map((o) => ({ name: o.name })),
        enumType: d.enumType.map((en) => ({ name: en.name, value: en.value.map((v) => ({ name: v.name, number: v.number })) })),
      };
    } else if (e.format === 'Protocol Buffer 3 EnumDescriptorProto') {
      out.enums[full] = (e.type as { value: Array<{ name: string; number: number }> }).value.map((v) => ({ name: v.name, number: v.number }));
    }
  }
  return `${JSON.stringify(out)}\n`;
}

// The files' only options are google.api.http annotations, which change nothing on the wire: left out of the file
// (an option that does, such as `packed`, is kept). `byName` marks a map of names (fields, methods, nested types),
// where a key is a name (UserAddRequest has a field called `options`), not a property.
function strip(v: unknown, byName = false): unknown {
  if (Array.isArray(v)) return v.map((x) => strip(x));
  if (v === null || typeof v !== 'object') return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (byName) o[k] = strip(x);
    else if (k === 'parsedOptions' || k === 'comment') continue;
    else if (k === 'options') {
      const kept = Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([name]) => !name.startsWith('(google.api.')));
      if (Object.keys(kept).length) o[k] = kept;
    } else o[k] = strip(x, ['nested', 'fields', 'methods', 'values', 'oneofs'].includes(k));
  }
  return o;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = buildProtoJson();
  let old = '';
  try {
    old = readFileSync(PROTO_JSON, 'utf8');
  } catch {
    // first run
  }
  if (old !== text) writeFileSync(PROTO_JSON, text);
  console.log(`${PROTO_JSON}: ${old === text ? 'up to date' : 'written'} (${text.length} bytes)`);
}
