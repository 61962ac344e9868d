import type { PluginDefinition } from './plugin.ts';
import { pingPlugin } from './ping/ping.ts';
import { redirectPlugin } from './redirect/redirect.ts';
import { requestSizeLimitPlugin } from './request_size_limit/request_size_limit.ts';
import { responseHeadersPlugin } from './response_headers/response_headers.ts';
import { rewritePlugin } from './rewrite/rewrite.ts';
import { trafficSplitPlugin } from './traffic_split/traffic_split.ts';
import { ipRestrictionPlugin } from './ip_restriction/ip_restriction.ts';
import { refererRestrictionPlugin } from './referer_restriction/referer_restriction.ts';
import { uaRestrictionPlugin } from './ua_restriction/ua_restriction.ts';
import { corsPlugin } from './cors/cors.ts';
import { csrfPlugin } from './csrf/csrf.ts';
import { directoryPlugin } from './directory/directory.ts';
import { statsPlugin } from './stats/stats.ts';
import { cachePlugin } from './cache/cache.ts';
import { compressionPlugin } from './compression/compression.ts';
import { limitPlugin } from './limit/limit.ts';
import { mockPlugin } from './mock/mock.ts';
import { requestIdPlugin } from './request_id/request_id.ts';
import { jwtPlugin } from './jwt/jwt.ts';
import { keyAuthPlugin } from './key_auth/key_auth.ts';
import { basicAuthPlugin } from './basic_auth/basic_auth.ts';
import { forwardAuthPlugin } from './forward_auth/forward_auth.ts';
import { combinedAuthPlugin } from './combined_auth/combined_auth.ts';

/** builtinPlugins lists every plugin type by category; a new plugin adds one line here. */
export const builtinPlugins: ReadonlyMap<string, PluginDefinition> = new Map([
  [requestIdPlugin.category, requestIdPlugin],
  [mockPlugin.category, mockPlugin],
  [ipRestrictionPlugin.category, ipRestrictionPlugin],
  [refererRestrictionPlugin.category, refererRestrictionPlugin],
  [uaRestrictionPlugin.category, uaRestrictionPlugin],
  [corsPlugin.category, corsPlugin],
  [csrfPlugin.category, csrfPlugin],
  [statsPlugin.category, statsPlugin],
  [directoryPlugin.category, directoryPlugin],
  [jwtPlugin.category, jwtPlugin],
  [compressionPlugin.category, compressionPlugin],
  [keyAuthPlugin.category, keyAuthPlugin],
  [basicAuthPlugin.category, basicAuthPlugin],
  [cachePlugin.category, cachePlugin],
  [pingPlugin.category, pingPlugin],
  [redirectPlugin.category, redirectPlugin],
  [requestSizeLimitPlugin.category, requestSizeLimitPlugin],
  [responseHeadersPlugin.category, responseHeadersPlugin],
  [rewritePlugin.category, rewritePlugin],
  [trafficSplitPlugin.category, trafficSplitPlugin],
  // pingap's name for traffic_split.
  ['traffic_splitting', trafficSplitPlugin],
  [forwardAuthPlugin.category, forwardAuthPlugin],
  [limitPlugin.category, limitPlugin],
  [combinedAuthPlugin.category, combinedAuthPlugin],
]);
