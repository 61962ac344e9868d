/** idToHex renders an etcd id (a uint64 given as a decimal string) as etcdctl's table output does: lower-case hex. */
export function idToHex(decimal: string | number | bigint): string {
  try {
    return BigInt(decimal).toString(16);
  } catch {
    return String(decimal);
  }
}

/** hexToDecimal turns a hex member id back into the decimal string the gRPC API expects. */
export function hexToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}
