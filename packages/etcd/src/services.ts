// etcd's v3 API for grpc-js, from proto/etcd.json (generated from proto/*.proto by proto-json.ts): protobufjs/light
// builds the message types from the JSON, so no process parses .proto text, loads protobufjs' parser or builds a
// descriptor for each of the hundred messages at start (@grpc/proto-loader did all three: ~65 ms of each `ctl` run).
// Messages are encoded and decoded exactly as proto-loader did with the options below.
//
// Everything is built on first use, per method and per message: a call builds only its own request and response types
// (and the messages they contain), not the whole API (Root.fromJSON of every message: ~14 ms), and protobufjs itself
// (~17 ms to load) is loaded by the first message that needs it. KV.Range's request is encoded by hand (fast-encode.ts)
// and its answer is read by fast-decode.ts, so `ctl get` loads no protobufjs at all.
import { createRequire } from 'node:module';
import type * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs/light.js';
import { encodeRangeRequest } from './fast-encode.ts';
import { protoJson } from './proto.ts';

/** DECODE_OPTIONS are proto-loader's toObject options the API was written against (see rpc-types.ts). */
const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true };

const PACKAGE = 'etcdserverpb';

let pb: typeof protobuf | undefined;
/** light is protobufjs/light, loaded (synchronously: it is CommonJS) by the first message type built. */
const light = (): typeof protobuf => (pb ??= createRequire(import.meta.url)('protobufjs/light.js') as typeof protobuf);

const types = new Map<string, protobuf.Type>();
const methods = new Map<string, grpc.MethodDefinition<unknown, unknown>>();

/**
 * HAND_ENCODED are the unary methods whose request is encoded by hand (writing what protobufjs writes), keyed
 * `Service/Method`: their definition needs no etcd.json, which a get then never reads (~1.5 ms).
 */
const HAND_ENCODED: Record<string, Pick<protobuf.IMethod, 'requestType' | 'responseType' | 'requestStream' | 'responseStream'> & { encode: (v: unknown) => Buffer }> = {
  'KV/Range': { requestType: 'RangeRequest', responseType: 'RangeResponse', encode: encodeRangeRequest as (v: unknown) => Buffer },
};

/**
 * etcdMethod is the grpc-js definition of one method of etcd's API (`KV`, `Range`), built on first use; its message
 * types are built when a message is first encoded or decoded. Undefined for a method etcd does not have.
 */
export function etcdMethod(service: string, method: string): grpc.MethodDefinition<unknown, unknown> | undefined {
  const key = `${service}/${method}`;
  const known = methods.get(key);
  if (known) return known;
  const hand = HAND_ENCODED[key];
  const spec = hand ?? ((protoJson().root.nested?.[PACKAGE] as protobuf.INamespace | undefined)?.nested?.[service] as protobuf.IService | undefined)?.methods?.[method];
  if (!spec) return undefined;
  const req = `${PACKAGE}.${spec.requestType}`;
  const res = `${PACKAGE}.${spec.responseType}`;
  const def: grpc.MethodDefinition<unknown, unknown> = {
    path: `/${PACKAGE}.${service}/${method}`,
    requestStream: Boolean(spec.requestStream),
    responseStream: Boolean(spec.responseStream),
    requestSerialize: hand?.encode ?? serializer(req),
    requestDeserialize: deserializer(req),
    responseSerialize: serializer(res),
    responseDeserialize: deserializer(res),
  };
  methods.set(key, def);
  return def;
}

/** etcdServices are the definitions of every method of etcd's services by service name (KV, Watch, Lease…). */
export function etcdServices(): Record<string, grpc.ServiceDefinition> {
  const out: Record<string, grpc.ServiceDefinition> = {};
  for (const [name, svc] of Object.entries((protoJson().root.nested![PACKAGE] as protobuf.INamespace).nested!)) {
    const ms = (svc as protobuf.IService).methods;
    if (!ms) continue;
    out[name] = Object.fromEntries(Object.keys(ms).map((m) => [m, etcdMethod(name, m)!]));
  }
  return out;
}

function serializer(name: string): (v: unknown) => Buffer {
  // protobufjs writes into a Buffer under Node.js.
  return (v) => {
    const type = messageType(name);
    return type.encode(type.fromObject(v as Record<string, unknown>)).finish() as Buffer;
  };
}

function deserializer(name: string): (b: Buffer) => unknown {
  return (b) => {
    const type = messageType(name);
    return type.toObject(type.decode(b), DECODE_OPTIONS);
  };
}

/** messageType is the protobufjs type of one message (full name), built from a root that holds only what it uses. */
function messageType(name: string): protobuf.Type {
  let t = types.get(name);
  if (!t) {
    t = light().Root.fromJSON(subset(protoJson().root, name)).lookupType(name);
    types.set(name, t);
  }
  return t;
}

const SCALARS = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);

type JsonNode = protobuf.INamespace & Partial<protobuf.IType> & { values?: Record<string, number> };

/**
 * subset is the part of the API's JSON that the message `name` needs: the message and, transitively, every message
 * and enum its fields (and its nested messages' fields) name, each placed at its own path. A type defined inside
 * another message brings that whole message along, so nesting keeps its shape. Names resolve as protobufjs resolves
 * them: from the innermost enclosing scope outwards.
 */
export function subset(root: protobuf.INamespace, name: string): protobuf.INamespace {
  const out: protobuf.INamespace = { nested: {} };
  const added = new Set<string>();
  const node = (path: string[]): JsonNode | undefined => {
    let n: JsonNode | undefined = root;
    for (const p of path) n = n?.nested?.[p] as JsonNode | undefined;
    return n;
  };
  const add = (path: string[]): void => {
    // The outermost message or enum on the path is what gets copied (whole, with its nested types).
    let top = 0;
    while (top < path.length && !isType(node(path.slice(0, top + 1)))) top++;
    const at = path.slice(0, top + 1);
    const full = at.join('.');
    if (added.has(full)) return;
    added.add(full);
    let o = out;
    for (const p of at.slice(0, -1)) o = ((o.nested ??= {})[p] ??= { nested: {} }) as protobuf.INamespace;
    (o.nested ??= {})[at.at(-1)!] = node(at)!;
    visit(at, node(at)!);
  };
  const visit = (scope: string[], n: JsonNode): void => {
    for (const f of Object.values(n.fields ?? {})) if (!SCALARS.has(f.type)) add(resolve(scope, f.type));
    for (const [k, child] of Object.entries(n.nested ?? {})) visit([...scope, k], child as JsonNode);
  };
  const resolve = (scope: string[], ref: string): string[] => {
    const parts = ref.replace(/^\./, '').split('.');
    for (let i = ref.startsWith('.') ? 0 : scope.length; i >= 0; i--) {
      const path = [...scope.slice(0, i), ...parts];
      if (node(path)) return path;
    }
    throw new Error(`etcd.json: type ${ref} used in ${scope.join('.')} is not defined`);
  };
  add(name.split('.'));
  return out;
}

const isType = (n: JsonNode | undefined): boolean => n !== undefined && (n.fields !== undefined || n.values !== undefined);
