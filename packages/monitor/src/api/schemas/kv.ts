import { Type, type Static } from 'typebox';
import { EtcdHeader, StringEnum } from './common.ts';

const Rev = (description: string) => Type.String({ pattern: '^[0-9]+$', description });

/** KeyView is one key with its revisions; the value only where asked (text when UTF-8, else base64). */
export const KeyView = Type.Object({
  key: Type.String({ description: 'the key as UTF-8 text (invalid bytes replaced; keyBase64 is exact)' }),
  keyBase64: Type.String(),
  createRevision: Rev('the revision that created the key'),
  modRevision: Rev('the revision of its last change: send it back as expectModRevision to edit without overwriting'),
  version: Rev('changes since the key was created'),
  lease: Rev('the id of its lease, "0" for none'),
  size: Type.Integer({ description: "the value's length in bytes" }),
  value: Type.Optional(Type.String({ description: 'the value, when it is UTF-8 text' })),
  valueBase64: Type.Optional(Type.String({ description: 'the value, when it is not UTF-8 text' })),
});
export type KeyView = Static<typeof KeyView>;

/** KeyPage is one page of keys under a prefix. */
export const KeyPage = Type.Object({
  items: Type.Array(KeyView),
  revision: Rev('the store revision every page of this listing reads at'),
  header: EtcdHeader,
  nextCursor: Type.Optional(Type.String({ description: 'pass as cursor for the next page; absent on the last page' })),
});
export type KeyPage = Static<typeof KeyPage>;

/** LevelEntry is one child of a folder level. */
export const LevelEntry = Type.Object({
  name: Type.String({ description: "the segment after the parent prefix; a folder's ends with the separator" }),
  kind: StringEnum(['folder', 'key'] as const),
  prefix: Type.Optional(Type.String({ description: "a folder's full prefix" })),
  prefixBase64: Type.Optional(Type.String()),
  count: Type.Optional(Type.Integer({ description: 'keys under a folder, with counts=true' })),
  kv: Type.Optional(KeyView),
});
export type LevelEntry = Static<typeof LevelEntry>;

/** LevelPage is one page of a folder level. */
export const LevelPage = Type.Object({ items: Type.Array(LevelEntry), revision: Rev('the store revision of the listing'), nextCursor: Type.Optional(Type.String()) });
export type LevelPage = Static<typeof LevelPage>;

/** KeyDetail is one key with its value and lease. */
export const KeyDetail = Type.Object({
  kv: KeyView,
  revision: Rev('the store revision of the read'),
  header: EtcdHeader,
  lease: Type.Optional(Type.Object({ id: Rev('the lease id'), ttl: Type.Integer({ description: 'seconds left; -1 once expired' }), grantedTtl: Type.Integer() })),
});
export type KeyDetail = Static<typeof KeyDetail>;

/** KeyHistory is a key's versions, newest first. */
export const KeyHistory = Type.Object({
  versions: Type.Array(KeyView),
  compacted: Type.Boolean({ description: 'older versions existed but were compacted away' }),
  truncated: Type.Boolean({ description: 'older versions exist beyond the limit' }),
});
export type KeyHistory = Static<typeof KeyHistory>;

/** PrefixStats is what each child prefix holds, largest first. */
export const PrefixStats = Type.Object({
  revision: Rev('the store revision scanned'),
  keys: Type.Integer(),
  keyBytes: Type.Integer(),
  valueBytes: Type.Integer(),
  scannedMs: Type.Integer({ description: 'how long the scan took' }),
  reads: Type.Integer({ description: 'the range requests the scan made' }),
  walked: Type.Integer({ description: "the index entries etcd walked to answer them (etcd 3.4 walks a range's every entry, limit or not)" }),
  prefixes: Type.Array(Type.Object({ prefix: Type.String(), keys: Type.Integer(), keyBytes: Type.Integer(), valueBytes: Type.Integer() })),
});
export type PrefixStats = Static<typeof PrefixStats>;

/** KeyQuery names one key, as text or as base64 bytes. */
export const KeyQuery = Type.Object(
  {
    key: Type.Optional(Type.String({ description: 'the key as text' })),
    keyBase64: Type.Optional(Type.String({ description: 'the key as base64 bytes (binary keys)' })),
  },
  { additionalProperties: false },
);

const Limit = (def: number, max: number) => Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: def }));

/** ListQuery selects a page of keys. */
export const ListQuery = Type.Object(
  {
    prefix: Type.Optional(Type.String({ description: 'list keys starting with this (empty: every key)' })),
    prefixBase64: Type.Optional(Type.String()),
    cursor: Type.Optional(Type.String()),
    limit: Limit(100, 1000),
    values: Type.Optional(Type.Boolean({ default: false, description: 'include values' })),
  },
  { additionalProperties: false },
);

/** LevelQuery selects a page of a folder level. */
export const LevelQuery = Type.Object(
  {
    prefix: Type.Optional(Type.String({ description: 'the folder, ending with the separator (empty: the top level)' })),
    prefixBase64: Type.Optional(Type.String()),
    separator: Type.Optional(Type.String({ minLength: 1, maxLength: 8, default: '/' })),
    cursor: Type.Optional(Type.String()),
    limit: Limit(100, 1000),
    counts: Type.Optional(Type.Boolean({ default: false, description: 'count the keys of each folder' })),
  },
  { additionalProperties: false },
);

/** CountsQuery names the folders to count (as a level page gives them) and the revision to count at. */
export const CountsQuery = Type.Object(
  {
    prefixBase64: Type.Array(Type.String({ description: "a folder's prefixBase64, as a level page gives it" }), { minItems: 1, maxItems: 100 }),
    revision: Type.Optional(Rev("the revision to count at: the level page's, so the counts match the listing (default: the latest)")),
  },
  { additionalProperties: false },
);

/** FolderCounts is the number of keys under each folder asked for, in the order asked. */
export const FolderCounts = Type.Object({
  revision: Rev('the store revision counted at'),
  counts: Type.Array(Type.Object({ prefixBase64: Type.String(), count: Type.Integer() })),
});
export type FolderCounts = Static<typeof FolderCounts>;

/** HistoryQuery selects a key's history. */
export const HistoryQuery = Type.Object({ ...KeyQuery.properties, limit: Limit(20, 200) }, { additionalProperties: false });

/** StatsQuery selects a prefix statistics scan. */
export const StatsQuery = Type.Object(
  {
    prefix: Type.Optional(Type.String()),
    prefixBase64: Type.Optional(Type.String()),
    separator: Type.Optional(Type.String({ minLength: 1, maxLength: 8, default: '/' })),
    values: Type.Optional(Type.Boolean({ default: true, description: 'read values to sum their bytes (false: keys only, faster)' })),
    top: Limit(100, 10000),
  },
  { additionalProperties: false },
);

/** PutBody writes one key. */
export const PutBody = Type.Object(
  {
    key: Type.Optional(Type.String()),
    keyBase64: Type.Optional(Type.String()),
    value: Type.Optional(Type.String()),
    valueBase64: Type.Optional(Type.String()),
    lease: Type.Optional(Rev('attach the key to this lease')),
    expectModRevision: Type.Optional(Rev('write only if the key is still at this mod revision ("0": only if it does not exist); else 409 with the current key')),
  },
  { additionalProperties: false },
);

/** PutResult is what a write did. */
export const PutResult = Type.Object({ revision: Rev('the revision of the write'), header: EtcdHeader, kv: KeyView });
export type PutResult = Static<typeof PutResult>;

/** DeleteQuery deletes one key or a prefix. */
export const DeleteQuery = Type.Object(
  {
    ...KeyQuery.properties,
    prefix: Type.Optional(Type.Boolean({ default: false, description: 'delete every key starting with key' })),
    fromKey: Type.Optional(Type.Boolean({ default: false, description: 'delete every key from key on, in byte order (etcdctl del --from-key); like prefix, needs expectCount' })),
    dryRun: Type.Optional(Type.Boolean({ default: false, description: 'only count the keys that would go' })),
    expectCount: Type.Optional(Type.Integer({ minimum: 0, description: 'required with prefix or fromKey: the count a dry run showed; a different count is refused (409)' })),
    expectModRevision: Type.Optional(Rev('delete a single key only if it is still at this mod revision')),
  },
  { additionalProperties: false },
);

/** DeleteResult is what a delete did (or, as a dry run, would do). */
export const DeleteResult = Type.Object({ deleted: Type.Integer(), revision: Rev('the store revision'), header: EtcdHeader, dryRun: Type.Boolean() });
export type DeleteResult = Static<typeof DeleteResult>;

/** WatchQuery opens a watch stream. */
export const WatchQuery = Type.Object(
  {
    ...KeyQuery.properties,
    prefix: Type.Optional(Type.Boolean({ default: false })),
    revision: Type.Optional(Rev('start at this revision (replays history from there)')),
    prevKv: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

/** AuditEntry is one change made through the API. */
export const AuditEntry = Type.Object({
  id: Type.Integer(),
  time: Type.Integer({ description: 'ms since the epoch' }),
  actor: Type.String(),
  role: Type.String(),
  action: Type.String(),
  target: Type.String(),
  ip: Type.String(),
  cluster: Type.Optional(Type.String()),
  command: Type.Optional(Type.String({ description: 'the operation as etcdctl spells it' })),
  result: Type.Optional(Type.String()),
});
export type AuditEntry = Static<typeof AuditEntry>;

/** AuditQuery filters the audit log. */
export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String()),
    action: Type.Optional(Type.String()),
    since: Type.Optional(Type.Integer({ description: 'ms since the epoch' })),
    until: Type.Optional(Type.Integer()),
    limit: Limit(200, 10000),
  },
  { additionalProperties: false },
);
