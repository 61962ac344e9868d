import type { SeriesResult, Store } from './storage/types.ts';

/**
 * MemberKeys maps between the member ids series are stored under and what people call members. Series are keyed by
 * the member id because an id is known from the first Status answer, never changes and is unique; a name may come
 * later, change when the member restarts with another --name, or be shared by two members. Series written by
 * versions that keyed them by name stay readable: a query folds them into the member of that name.
 */
export interface MemberKeys {
  /** label is how a member is shown: its name, `name (id)` when two members share the name, or its id before its name is known. */
  label(cluster: string, id: string): string;
  /** key turns a member name, id or label into the id its series are stored under; anything else is returned as given. */
  key(cluster: string, member: string): string;
  /** aliases are the keys older versions may have stored a member's series under (its name). */
  aliases(cluster: string, id: string): string[];
}

/** MemberRef is what MemberKeys needs to know about one member. */
export interface MemberRef {
  /** id is the member id, hex. */
  id: string | null;
  /** name is the member name, once known. */
  name: string | null;
}

/** memberKeys builds the mapping over the members a lookup returns for a cluster (none for an unknown cluster). */
export function memberKeys(membersOf: (cluster: string) => MemberRef[]): MemberKeys {
  const labelOf = (members: MemberRef[], id: string): string => {
    const m = members.find((x) => x.id === id);
    if (!m?.name) return id;
    return members.some((x) => x !== m && x.name === m.name) ? `${m.name} (${id})` : m.name;
  };
  return {
    label: (cluster, id) => labelOf(membersOf(cluster), id),
    key(cluster, member) {
      const members = membersOf(cluster);
      if (members.some((m) => m.id === member)) return member;
      const named = members.filter((m) => m.id && (m.name === member || labelOf(members, m.id) === member));
      return named.length === 1 ? named[0]!.id! : member;
    },
    aliases(cluster, id) {
      const m = membersOf(cluster).find((x) => x.id === id);
      return m?.name ? [m.name] : [];
    },
  };
}

/** PointsEntry is one member's answer to a series query, as the API returns it. */
export interface PointsEntry {
  /** member is the member's label (its name when known), or '' for a cluster-level series. */
  member: string;
  /** memberId is the member id the series is stored under; null for cluster-level series and for stored names no current member has. */
  memberId: string | null;
  /** points are the points, oldest first. */
  points: SeriesResult['points'][number]['points'];
}

/**
 * namedQuery runs a series query by member id (a name or label given as `member` is resolved first) and labels the
 * answer by name, folding series stored under a current member's name by older versions into that member's entry.
 */
export function namedQuery(store: Pick<Store, 'query'>, keys: MemberKeys, q: Parameters<Store['query']>[0]): Omit<SeriesResult, 'points'> & { points: PointsEntry[] } {
  if (q.member === undefined || q.member === '') {
    const r = store.query(q);
    return { ...r, points: fold(r.points, keys, q.cluster) };
  }
  const id = keys.key(q.cluster, q.member);
  const r = store.query({ ...q, member: id });
  const legacy = keys
    .aliases(q.cluster, id)
    .filter((a) => a !== id)
    .map((a) => store.query({ ...q, member: a }).points)
    .flat();
  return { ...r, points: fold([...r.points, ...legacy], keys, q.cluster) };
}

function fold(entries: SeriesResult['points'], keys: MemberKeys, cluster: string): PointsEntry[] {
  const out = new Map<string, PointsEntry>();
  for (const e of entries) {
    if (e.member === '') {
      out.set('', { member: '', memberId: null, points: e.points });
      continue;
    }
    const id = keys.key(cluster, e.member);
    const entry = out.get(id);
    if (entry) {
      entry.points = [...entry.points, ...e.points].sort((a, b) => a.t - b.t);
    } else {
      out.set(id, { member: keys.label(cluster, id), memberId: looksLikeId(id) ? id : null, points: e.points });
    }
  }
  return [...out.values()].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

function looksLikeId(s: string): boolean {
  return /^[0-9a-f]{1,16}$/.test(s);
}
