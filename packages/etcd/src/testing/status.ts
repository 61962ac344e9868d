/** EndpointStatus is one entry of `etcdctl endpoint status -w json`, with ids as hex strings. */
export interface EndpointStatus {
  /** endpoint is the client URL that answered. */
  endpoint: string;
  /** memberId is the answering member's id in hex. */
  memberId: string;
  /** leaderId is the leader the member believes in, in hex; "0" while it knows none. */
  leaderId: string;
  /** raftTerm is the member's current raft term. */
  raftTerm: number;
  /** raftIndex is the member's last raft log index. */
  raftIndex: number;
  /** revision is the member's store revision. */
  revision: number;
  /** dbSize is the backend size in bytes. */
  dbSize: number;
  /** version is the etcd server version. */
  version: string;
}

interface RawStatus {
  Endpoint: string;
  Status: {
    header: { member_id: string; revision: number };
    leader: string;
    raftTerm: number;
    raftIndex: number;
    dbSize: number;
    version: string;
  };
}

/** parseEndpointStatus reads `etcdctl endpoint status -w json` output; unparsable output gives an empty list. */
export function parseEndpointStatus(stdout: string): EndpointStatus[] {
  // etcdctl prints uint64 ids as bare JSON numbers above 2^53: quote them before JSON.parse rounds them.
  const quoted = stdout.trim().replace(/"(cluster_id|member_id|leader|ID)":(\d+)/g, '"$1":"$2"');
  if (!quoted.startsWith('[')) return [];
  let raw: RawStatus[];
  try {
    raw = JSON.parse(quoted) as RawStatus[];
  } catch {
    return [];
  }
  return raw.map((r) => ({
    endpoint: r.Endpoint,
    memberId: decimalToHex(r.Status.header.member_id),
    leaderId: decimalToHex(r.Status.leader ?? '0'),
    raftTerm: r.Status.raftTerm ?? 0,
    raftIndex: r.Status.raftIndex ?? 0,
    revision: r.Status.header.revision ?? 0,
    dbSize: r.Status.dbSize ?? 0,
    version: r.Status.version,
  }));
}

/** decimalToHex renders a decimal uint64 string as the hex etcdctl's table output uses. */
export function decimalToHex(decimal: string): string {
  return BigInt(decimal).toString(16);
}
