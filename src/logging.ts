import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './config/index.js';

/**
 * The service's logger. Log lines carry ids, rule ids, counts and timings (architecture.md §6): the
 * hook instance, the service, how many FHIR requests, which rules fired. They never carry names,
 * tokens or payloads; the redaction below is a second line of defence for a field logged by mistake.
 */

/** Paths pino censors wherever they appear at these depths. */
export const REDACT_PATHS: readonly string[] = [
  // credentials
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'access_token',
  '*.access_token',
  'fhirAuthorization',
  '*.fhirAuthorization',
  'bearerToken',
  '*.bearerToken',
  'token',
  '*.token',
  // hook payloads
  'prefetch',
  '*.prefetch',
  'context',
  '*.context',
  'draftOrders',
  '*.draftOrders',
  'body',
  '*.body',
  'resource',
  '*.resource',
  // demographics
  'name',
  '*.name',
  'birthDate',
  '*.birthDate',
  'address',
  '*.address',
  'telecom',
  '*.telecom',
  'userComment',
  '*.userComment',
];

export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    name: 'donorguard',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
