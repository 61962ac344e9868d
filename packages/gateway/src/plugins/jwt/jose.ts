import { createRequire } from 'node:module';
import type * as Jose from 'jose';

// jose costs a gateway worker ~14 MB of RSS once loaded, and the plugin registry imports this plugin whatever the config
// holds: jose is required when a jwt entry first verifies a token or reads a JWKS, not by every worker at start.
let loaded: typeof Jose | undefined;

/** jose returns the jose module, loading it on first use (Node's require of an ES module: synchronous). */
export function jose(): typeof Jose {
  return (loaded ??= createRequire(import.meta.url)('jose') as typeof Jose);
}
