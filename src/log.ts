import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout. Basic-auth passwords and API keys are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'plugboard' },
    redact: { paths: ['password', '*.password', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
  });
}
