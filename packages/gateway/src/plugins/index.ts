import type { PluginDefinition } from './plugin.ts';
import { mockPlugin } from './mock/mock.ts';
import { requestIdPlugin } from './request_id/request_id.ts';

/** builtinPlugins lists every plugin type by category; a new plugin adds one line here. */
export const builtinPlugins: ReadonlyMap<string, PluginDefinition> = new Map([
  [requestIdPlugin.category, requestIdPlugin],
  [mockPlugin.category, mockPlugin],
]);
