import type { OperationOutcome } from 'fhir/r4.js';
import { operationOutcome, type IssueType } from './operation-outcome.js';

export interface HttpErrorOptions {
  /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
  headers?: Record<string, string>;
  /** The underlying error, kept for logs; never sent to the client. */
  cause?: unknown;
  /** A short machine code for logs (e.g. `jwt.bad-audience`); never sent to the client. */
  reason?: string;
}

/**
 * An error that already knows its HTTP status and the OperationOutcome the client may see.
 * Throw it (or pass it to `next`) anywhere; the error middleware writes it out as-is.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: string | undefined;

  constructor(status: number, outcome: OperationOutcome, options: HttpErrorOptions = {}) {
    const text = outcome.issue[0]?.diagnostics ?? `HTTP ${status}`;
    super(text, options.cause === undefined ? undefined : { cause: options.cause });
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be 400..599, got ${status}`);
    }
    this.name = 'HttpError';
    this.status = status;
    this.outcome = outcome;
    this.headers = { ...options.headers };
    this.reason = options.reason;
  }

  /** Shorthand for an error with a single `error`-severity issue. */
  static of(
    status: number,
    code: IssueType,
    diagnostics: string,
    options: HttpErrorOptions & { expression?: string | readonly string[] } = {},
  ): HttpError {
    return new HttpError(status, operationOutcome('error', code, diagnostics, options.expression), options);
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}
