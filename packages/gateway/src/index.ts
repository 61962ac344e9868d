export { Gateway, type GatewayOptions, type ReloadResult } from './gateway.ts';
export { readConfigFile, loadConfigFile, readConfig, loadConfig, parseConfigText, ConfigError } from './config/load.ts';
export { openConfigSource, FileConfigSource, type ConfigSource, type ConfigSnapshot, type ConfigVersion } from './config/source/index.ts';
export { validateConfig, type ValidationResult } from './config/validate.ts';
export { formatIssue, type ConfigIssue } from './config/fields.ts';
export type { GatewayConfig } from './config/schema.ts';
export type { Plugin, PluginDefinition, RequestContext } from './plugins/plugin.ts';
export { builtinPlugins } from './plugins/index.ts';
export { runGateway } from './run.ts';
