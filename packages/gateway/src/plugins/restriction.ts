import type { PluginResponse } from './plugin.ts';

// The allow/deny switch and the refusal answer the three *_restriction plugins share, with pingap's keys and defaults.

/** restrictionFields are the `type` and `message` options of every `*_restriction` plugin. */
export const restrictionFields = {
  type: {
    kind: 'string' as const,
    default: 'allow',
    oneOf: ['allow', 'deny'] as ['allow', 'deny'],
    doc: 'type is `allow` (only listed clients pass; everyone else gets 403) or `deny` (listed clients get 403).',
  },
  message: { kind: 'string' as const, default: 'Request is forbidden', maxLength: 1024, doc: 'message is the body of the 403 answer.' },
};

/** forbidden returns the 403 answer of a restriction plugin. */
export function forbidden(message: string): PluginResponse {
  return { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: message };
}

/** refuses tells whether a restriction in `allow` or `deny` mode refuses a client that matched (or did not match) its list. */
export function refuses(mode: 'allow' | 'deny', matched: boolean): boolean {
  return mode === 'allow' ? !matched : matched;
}
