// The one logger: JSON lines on stdout (pino), at LOG_LEVEL. Every record carries `time` (ISO 8601,
// UTC), `level` as a name, `service` and `msg`; records about a request carry its `req_id`. Audit
// entries (src/audit) are records of this same stream with `"type":"audit"`.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/env.ts';

export type { Logger };

/** `destination` is for tests, which read the lines back; Scanin itself writes to stdout. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'scanin' },
    // Level names ("info") read better in any log viewer than pino's numbers (30).
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}
