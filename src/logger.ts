import pino, { type Logger } from 'pino';
import type { LogLevel } from './config/index.ts';

/**
 * Structured logs with secrets redacted at the serializer (DESIGN §2 invariant 4): credentials never reach a log
 * line, whatever object a caller hands the logger.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers["x-gatehouse-capability"]',
  'headers.authorization',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.api_key',
  '*.apiKey',
  '*.key',
  '*.masterKey',
  '*.pepper',
];

export function createLogger(level: LogLevel): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
