// Message heads written straight into a shared slab of memory instead of being concatenated as strings. A head built
// with `+=` leaves a string per piece and a flattened copy for the write (~0.8 KB of young-generation garbage per head,
// measured with bench/gateway/alloc-profile.ts); written here, a head costs one small Buffer view, and the slab itself
// lives outside the JavaScript heap. Bytes handed to a write are never written again (a full slab is replaced, not
// reused), so a write still queued in the socket keeps its bytes.

const SLAB = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB);
let used = 0;
let pos = 0;

/** headBegin starts a head of at most `max` bytes (latin1: one byte per character). */
export function headBegin(max: number): void {
  if (used + max > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB, max));
    used = 0;
  }
  pos = used;
}

// Strings up to this long are copied by a loop here rather than by Buffer#write: a head is written in many short pieces
// (names, ': ', values, CRLF), and each write() pays for its argument handling and a call into C++ (~70 ns a piece,
// against ~25 ns for the loop; docs/gateway-latency.md, Where the time goes).
const SHORT = 64;

/** headPut appends a string as latin1, as a socket write with 'latin1' would send it. */
export function headPut(s: string): void {
  const n = s.length;
  if (n > SHORT || pos + n > slab.length) {
    pos += slab.write(s, pos, 'latin1');
    return;
  }
  const b = slab;
  let p = pos;
  // A typed array stores the low byte of each code unit, as latin1 does.
  for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
  pos = p;
}

/** headEnd returns the head written since headBegin, ready for a socket write. */
export function headEnd(): Buffer {
  const b = slab.subarray(used, pos);
  used = pos;
  return b;
}

/** headPutBytes appends bytes (a small body sent in the same write as its head). */
export function headPutBytes(b: Uint8Array): void {
  slab.set(b, pos);
  pos += b.length;
}
