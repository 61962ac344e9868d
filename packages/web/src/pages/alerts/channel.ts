/** ChannelValues are the add-channel form's raw inputs; url and token are secrets (write-only). */
export interface ChannelValues {
  name: string;
  type: 'webhook' | 'slack';
  url: string;
  bearerToken: string;
}

const NAME = /^[A-Za-z0-9._-]+$/;

/** validateChannel checks the form the way the monitor will, so mistakes show at the field before a round trip. */
export function validateChannel(v: ChannelValues): Partial<Record<keyof ChannelValues, string>> {
  const e: Partial<Record<keyof ChannelValues, string>> = {};
  if (!v.name.trim()) e.name = 'Required: a unique name for the channel.';
  else if (!NAME.test(v.name.trim())) e.name = 'Use letters, digits, "-", "_" or "." only.';
  if (!v.url.trim()) e.url = 'Required: where the notifications are posted.';
  else {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(v.url.trim()).protocol);
    } catch {
      ok = false;
    }
    if (!ok) e.url = 'Write an absolute URL such as https://hooks.example.com/etcd.';
  }
  return e;
}

/** toChannelInput is the body of `PUT /api/v1/channels/NAME`; an empty token is left out. */
export function toChannelInput(v: ChannelValues): Record<string, unknown> {
  return { type: v.type, url: v.url.trim(), ...(v.type === 'webhook' && v.bearerToken ? { bearer_token: v.bearerToken } : {}) };
}

/** channelField maps a field the API names in a 400 (url, channels[0].url, bearer_token) to the form field that shows it. */
export function channelField(field: string | undefined): keyof ChannelValues | undefined {
  const last = field?.split('.').pop()?.replace(/\[\d+\]$/, '');
  if (last === 'url' || last === 'name' || last === 'type') return last;
  if (last === 'bearer_token') return 'bearerToken';
  return undefined;
}

// Keys every channel view has; the rest are the type's settings.
const META = new Set(['name', 'type', 'source', 'pending']);

/** channelSettings lists a channel's own keys as `key=value` (secrets arrive as [redacted]). */
export function channelSettings(c: Record<string, unknown>): string[] {
  return Object.entries(c).filter(([k, x]) => !META.has(k) && x !== undefined && x !== null && x !== '').map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`);
}
