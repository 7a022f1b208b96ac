export { createEmulator, Emulator, PortInUseError, type EmulatorOptions, type TenantInfo } from './emulator.js';
export { ConfigError, type ConfigProblem } from './config/load.js';
export type { ConfigInput as AuthEmulatorConfig } from './config/schema.js';
export type { RequestLogEntry } from './http/request-log.js';
export type { ExtensionLogEntry } from './extensions/sandbox.js';
