// etcd's v3 API as generated into proto/etcd.json by proto-json.ts (from proto/*.proto): the message descriptors
// go-json renders with, and protobufjs' JSON that services.ts builds grpc-js clients from. Nothing here loads gRPC or
// protobufjs, so the etcdctl printers can be loaded without them.
import { readFileSync } from 'node:fs';
import type { MessageDescriptor, ProtoJson } from './proto-json.ts';

let json: ProtoJson | undefined;

/** protoJson is proto/etcd.json, read once per process. */
export function protoJson(): ProtoJson {
  json ??= JSON.parse(readFileSync(new URL('../proto/etcd.json', import.meta.url), 'utf8')) as ProtoJson;
  return json;
}

/** messageDescriptors are etcd's message descriptors (fields, oneofs, nested enums) by full name, for go-json. */
export function messageDescriptors(): Record<string, MessageDescriptor> {
  return protoJson().messages;
}

/** enumDescriptors are etcd's top-level enums' values by full name, for go-json. */
export function enumDescriptors(): Record<string, Array<{ name: string; number: number }>> {
  return protoJson().enums;
}
