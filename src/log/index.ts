export { createLogger, createMemoryLogger, isSyslogFacility } from './logger.js';
export type { Logger, LoggerHandle, LoggerOptions, LogLevel, LogMeta } from './logger.js';
