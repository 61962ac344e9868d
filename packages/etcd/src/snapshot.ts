import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { AppError } from '@etcd-monitor/core/errors';
import type { MemberClient } from './client.ts';

/** SnapshotInfo describes a saved snapshot file. */
export interface SnapshotInfo {
  /** path is where the snapshot was written. */
  path: string;
  /** size is the file size in bytes, the database plus its 32-byte SHA-256 trailer. */
  size: number;
  /** sha256 is the hex digest of the database part, as verified against the trailer etcd sends. */
  sha256: string;
}

/**
 * saveSnapshot streams a member's database to `path` and verifies it: etcd ends the stream with the SHA-256 of the
 * database, so a truncated or corrupted transfer is caught here rather than at restore time. The file appears only
 * once verified (written to `path.part`, then renamed).
 */
export async function saveSnapshot(client: MemberClient, path: string, o: { idleTimeoutMs?: number } = {}): Promise<SnapshotInfo> {
  const part = `${path}.part`;
  const fh = await open(part, 'w');
  const hash = createHash('sha256');
  let tail = Buffer.alloc(0);
  let size = 0;
  try {
    for await (const chunk of client.snapshot(o)) {
      await fh.write(chunk);
      size += chunk.length;
      // Everything but the last 32 bytes seen so far belongs to the database.
      const joined = Buffer.concat([tail, chunk]);
      hash.update(joined.subarray(0, Math.max(0, joined.length - 32)));
      tail = joined.subarray(Math.max(0, joined.length - 32));
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(part, { force: true });
    throw err;
  }
  await fh.close();
  const digest = hash.digest();
  if (tail.length !== 32 || !digest.equals(tail)) {
    await rm(part, { force: true });
    throw new AppError('ETCD_SNAPSHOT_CORRUPT', `${client.endpoint}: snapshot failed verification: the SHA-256 trailer does not match the data (${size} bytes received)`, {
      hint: 'retry the snapshot; if it fails again, check the member for disk errors',
    });
  }
  await rename(part, path);
  return { path, size, sha256: digest.toString('hex') };
}
