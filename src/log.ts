import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from './redact.ts';

export type { Logger };

/**
 * Structured JSON logs on stdout (or `destination`). Basic-auth passwords and API keys are
 * redacted wherever they appear; secrets in OCPP frames (AuthorizationKey values, private key
 * material) wherever they appear in a line's fields or message (src/redact.ts).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'plugboard' },
      redact: { paths: ['password', '*.password', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          return method.apply(this, redact(args) as typeof args);
        },
      },
    },
    destination,
  );
}
