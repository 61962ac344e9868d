// etcd's v3 API for grpc-js, from proto/etcd.json (generated from proto/*.proto by proto-json.ts): protobufjs/light
// builds the message types from the JSON, so no process parses .proto text, loads protobufjs' parser or builds a
// descriptor for each of the hundred messages at start (@grpc/proto-loader did all three: ~65 ms of each `ctl` run).
// Messages are encoded and decoded exactly as proto-loader did with the options below.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/light.js';
import { protoJson } from './proto.ts';

/** DECODE_OPTIONS are proto-loader's toObject options the API was written against (see rpc-types.ts). */
const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true };

let services: Record<string, grpc.ServiceClientConstructor> | undefined;

/** etcdServices are grpc-js client constructors for etcd's services (KV, Watch, Lease…), built once per process. */
export function etcdServices(): Record<string, grpc.ServiceClientConstructor> {
  if (services) return services;
  const root = protobuf.Root.fromJSON(protoJson().root);
  const pkg = root.lookup('etcdserverpb') as protobuf.Namespace;
  const out: Record<string, grpc.ServiceClientConstructor> = {};
  for (const svc of pkg.nestedArray) {
    if (!(svc instanceof protobuf.Service)) continue;
    const methods: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    for (const m of svc.methodsArray) {
      m.resolve();
      const req = m.resolvedRequestType!;
      const res = m.resolvedResponseType!;
      methods[m.name] = {
        path: `/etcdserverpb.${svc.name}/${m.name}`,
        requestStream: Boolean(m.requestStream),
        responseStream: Boolean(m.responseStream),
        requestSerialize: serializer(req),
        requestDeserialize: deserializer(req),
        responseSerialize: serializer(res),
        responseDeserialize: deserializer(res),
      };
    }
    out[svc.name] = grpc.makeGenericClientConstructor(methods, svc.name, {});
  }
  services = out;
  return out;
}

function serializer(type: protobuf.Type): (v: unknown) => Buffer {
  // protobufjs writes into a Buffer under Node.js.
  return (v) => type.encode(type.fromObject(v as Record<string, unknown>)).finish() as Buffer;
}

function deserializer(type: protobuf.Type): (b: Buffer) => unknown {
  return (b) => type.toObject(type.decode(b), DECODE_OPTIONS);
}
