import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { getStatus } from '@medplum/core';
import type { Logger } from 'pino';
import { HttpError } from './http-error.js';
import {
  FHIR_JSON,
  isOperationOutcome,
  operationOutcome,
  operationOutcomeOf,
  type IssueType,
} from './operation-outcome.js';

/** Writes an OperationOutcome as `application/fhir+json` with the given status. */
export function sendOperationOutcome(
  res: Response,
  status: number,
  outcome: OperationOutcome,
  headers: Readonly<Record<string, string>> = {},
): void {
  for (const [name, value] of Object.entries(headers)) {
    res.setHeader(name, value);
  }
  res.status(status).setHeader('Content-Type', FHIR_JSON);
  res.send(JSON.stringify(outcome));
}

/** What the error middleware decided to send, plus what it logs. */
export interface ErrorResponse {
  status: number;
  outcome: OperationOutcome;
  headers: Record<string, string>;
  /** Short machine code for the log line, e.g. `body.parse-failed`. */
  reason: string;
}

const MAX_VALIDATION_ISSUES = 20;

/**
 * Maps any thrown value to the response the client sees. Pure: no logging, no I/O.
 * Unknown errors become a generic 500 whose text reveals nothing about the failure.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof HttpError) {
    return {
      status: err.status,
      outcome: err.outcome,
      headers: { ...err.headers },
      reason: err.reason ?? `http.${err.status}`,
    };
  }
  const zodIssues = zodIssuesOf(err);
  if (zodIssues) {
    return { status: 400, outcome: validationOutcome(zodIssues), headers: {}, reason: 'request.invalid' };
  }
  const bodyError = bodyParserError(err);
  if (bodyError) {
    return bodyError;
  }
  const medplumOutcome = outcomeCarriedBy(err);
  if (medplumOutcome) {
    const status = getStatus(medplumOutcome as Parameters<typeof getStatus>[0]);
    if (status >= 400 && status < 500) {
      return { status, outcome: medplumOutcome, headers: {}, reason: `fhir.${status}` };
    }
  }
  const status = statusOf(err);
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      status,
      outcome: operationOutcome('error', issueTypeForStatus(status), genericText(status)),
      headers: {},
      reason: `http.${status}`,
    };
  }
  return {
    status: 500,
    outcome: operationOutcome('fatal', 'exception', 'Internal server error'),
    headers: {},
    reason: 'internal',
  };
}

export interface ErrorHandlerOptions {
  logger?: Logger;
}

/**
 * Express error middleware: turns anything into an `application/fhir+json` OperationOutcome with the
 * right status (HttpError as-is; body-parser errors 400/413/415; zod errors 400 naming each field path;
 * medplum OperationOutcomeError with its own status; anything else 500 with a generic text).
 *
 * Logs the reason, method and path (never the query string, body or headers); 5xx at `error` with the
 * error's name, message and stack, 4xx at `info`.
 */
export function createErrorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const { logger } = options;
  return (err: unknown, req: Request, res: Response, next: (err?: unknown) => void): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const response = toErrorResponse(err);
    if (logger) {
      const fields = { status: response.status, reason: response.reason, method: req.method, path: req.path };
      if (response.status >= 500) {
        logger.error({ ...fields, err: describeError(err) }, 'request failed');
      } else {
        logger.info(fields, 'request rejected');
      }
    }
    sendOperationOutcome(res, response.status, response.outcome, response.headers);
  };
}

/** 404 for any request no route answered. Mount after all routes, before the error handler. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendOperationOutcome(res, 404, operationOutcome('error', 'not-found', `No route for ${req.method} ${req.path}`));
};

// ---------------------------------------------------------------------------------------------------

interface ZodLikeIssue {
  code?: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

function zodIssuesOf(err: unknown): readonly ZodLikeIssue[] | undefined {
  if (!(err instanceof Error) || (err.name !== 'ZodError' && err.name !== '$ZodError')) {
    return undefined;
  }
  const issues = (err as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) {
    return undefined;
  }
  return issues.filter(
    (i): i is ZodLikeIssue =>
      typeof i === 'object' &&
      i !== null &&
      Array.isArray((i as ZodLikeIssue).path) &&
      typeof (i as ZodLikeIssue).message === 'string',
  );
}

/** `['prefetch', 'patient', 'name', 0]` → `prefetch.patient.name[0]` (FHIRPath-like). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') {
      out += `[${part}]`;
    } else {
      const name = String(part);
      out += out === '' ? name : `.${name}`;
    }
  }
  return out;
}

function validationOutcome(issues: readonly ZodLikeIssue[]): OperationOutcome {
  const out: OperationOutcomeIssue[] = [];
  for (const issue of issues.slice(0, MAX_VALIDATION_ISSUES)) {
    const paths =
      issue.code === 'unrecognized_keys' && issue.keys?.length
        ? issue.keys.map((k) => formatPath([...issue.path, k]))
        : [formatPath(issue.path)];
    for (const path of paths) {
      const where = path === '' ? '(request body)' : path;
      const entry: OperationOutcomeIssue = {
        severity: 'error',
        code: 'invalid',
        diagnostics: `${where}: ${issue.message}`,
      };
      if (path !== '') {
        entry.expression = [path];
      }
      out.push(entry);
    }
  }
  if (issues.length > MAX_VALIDATION_ISSUES) {
    out.push({
      severity: 'error',
      code: 'invalid',
      diagnostics: `${issues.length - MAX_VALIDATION_ISSUES} more validation issues not shown`,
    });
  }
  if (out.length === 0) {
    out.push({ severity: 'error', code: 'invalid', diagnostics: 'Request is invalid' });
  }
  return operationOutcomeOf(out);
}

function bodyParserError(err: unknown): ErrorResponse | undefined {
  if (typeof err !== 'object' || err === null) {
    return undefined;
  }
  const type = (err as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return undefined;
  }
  const one = (status: number, code: IssueType, text: string, reason: string): ErrorResponse => ({
    status,
    outcome: operationOutcome('error', code, text),
    headers: {},
    reason,
  });
  switch (type) {
    case 'entity.parse.failed':
      return one(400, 'structure', 'Request body is not valid JSON', 'body.parse-failed');
    case 'entity.too.large': {
      const limit = (err as { limit?: unknown }).limit;
      const suffix = typeof limit === 'number' ? ` of ${limit} bytes` : '';
      return one(413, 'too-long', `Request body exceeds the size limit${suffix}`, 'body.too-large');
    }
    case 'parameters.too.many':
      return one(413, 'too-costly', 'Request body has too many parameters', 'body.too-many-parameters');
    case 'encoding.unsupported':
      return one(415, 'not-supported', 'Unsupported content encoding', 'body.encoding-unsupported');
    case 'charset.unsupported':
      return one(415, 'not-supported', 'Unsupported charset', 'body.charset-unsupported');
    case 'request.aborted':
      return one(400, 'incomplete', 'Request body was not received completely', 'body.aborted');
    case 'request.size.invalid':
      return one(400, 'structure', 'Request body size does not match Content-Length', 'body.size-invalid');
    case 'entity.verify.failed':
      return one(403, 'forbidden', 'Request body was refused', 'body.verify-failed');
    default:
      return undefined;
  }
}

function outcomeCarriedBy(err: unknown): OperationOutcome | undefined {
  if (typeof err !== 'object' || err === null) {
    return undefined;
  }
  const outcome = (err as { outcome?: unknown }).outcome;
  return isOperationOutcome(outcome) ? outcome : undefined;
}

function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) {
    return undefined;
  }
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function issueTypeForStatus(status: number): IssueType {
  switch (status) {
    case 401:
      return 'login';
    case 403:
      return 'forbidden';
    case 404:
    case 410:
      return 'not-found';
    case 405:
    case 415:
    case 501:
      return 'not-supported';
    case 408:
      return 'timeout';
    case 409:
    case 412:
      return 'conflict';
    case 413:
      return 'too-long';
    case 429:
      return 'throttled';
    default:
      return status >= 500 ? 'exception' : 'invalid';
  }
}

function genericText(status: number): string {
  switch (status) {
    case 401:
      return 'Authentication required';
    case 403:
      return 'Forbidden';
    case 404:
      return 'Not found';
    case 405:
      return 'Method not allowed';
    case 413:
      return 'Request too large';
    case 415:
      return 'Unsupported media type';
    case 429:
      return 'Too many requests';
    default:
      return 'Bad request';
  }
}

/** Error facts for the log: name, message, stack, cause name. Never request data. */
function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      stack: err.stack,
      ...(err.cause instanceof Error ? { cause: { name: err.cause.name, message: err.cause.message } } : {}),
    };
  }
  return { name: typeof err, message: 'non-Error value thrown' };
}
