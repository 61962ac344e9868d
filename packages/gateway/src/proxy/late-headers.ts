// Upstream request headers whose value depends on the server an attempt picks (`$upstream_addr`): written as a mark when
// the request is built, filled in by each attempt (a retry rewrites them for its server).
import type { Exchange } from './exchange.ts';
import type { CompiledLocation } from './runtime.ts';
import type { TemplatedHeader } from './header-vars.ts';

// A header value that needs the upstream server (`$upstream_addr`) waits as this mark plus its rule index until an attempt
// picks one. Values from clients and the config never start with a control character, so the mark cannot be forged.
const LATE = '\u0001gw-late:';

/** lateMark is the placeholder a header rule that needs the upstream server writes until an attempt picks one. */
export function lateMark(loc: CompiledLocation, l: TemplatedHeader): string {
  return LATE + loc.reqLate!.indexOf(l);
}

/** fillLate writes the values that depend on the server picked for this attempt; a retry rewrites them for its server. */
export function fillLate(ex: Exchange): void {
  const h = ex.upstreamHeaders;
  const late = ex.loc!.reqLate!;
  let slots = ex.lateSlots;
  if (slots === undefined) {
    slots = ex.lateSlots = [];
    for (let i = 1; i < h.length; i += 2) {
      const v = h[i]!;
      if (v.charCodeAt(0) !== 1 || !v.startsWith(LATE)) continue;
      const rule = late[Number(v.slice(LATE.length))];
      if (rule?.render) slots.push([i, rule]);
    }
  }
  for (const [i, rule] of slots) h[i] = rule.render!(ex);
}
