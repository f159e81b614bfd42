import express from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import { badRequest, notFound, OperationOutcomeError } from '@medplum/core';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createErrorHandler,
  HttpError,
  notFoundHandler,
  operationOutcome,
  toErrorResponse,
} from '../../../src/http/errors/index.js';

function captureLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

function app(logger?: pino.Logger): express.Express {
  const a = express();
  a.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: '200b' }));
  a.get('/http-error', () => {
    throw HttpError.of(409, 'conflict', 'Version conflict', {
      expression: 'Patient.meta.versionId',
      headers: { 'Retry-After': '1' },
    });
  });
  a.post('/validate', (req) => {
    z.object({
      hook: z.string(),
      context: z.object({ patientId: z.string(), draftOrders: z.array(z.object({ id: z.string() })) }).strict(),
    }).parse(req.body);
  });
  a.get('/boom', () => {
    throw new Error('database password is hunter2');
  });
  a.get('/async-boom', async () => {
    await Promise.resolve();
    throw new TypeError('cannot read x of undefined');
  });
  a.get('/medplum-404', () => {
    throw new OperationOutcomeError(notFound);
  });
  a.get('/medplum-400', () => {
    throw new OperationOutcomeError(badRequest('Bad thing', 'Patient.name'));
  });
  a.get('/status-403', () => {
    throw Object.assign(new Error('nope'), { status: 403 });
  });
  a.get('/throw-string', () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw 'a string';
  });
  a.use(notFoundHandler);
  a.use(createErrorHandler(logger ? { logger } : {}));
  return a;
}

const FHIR_JSON = /^application\/fhir\+json/;

describe('operationOutcome', () => {
  it('builds a one-issue OperationOutcome, with expression only when given', () => {
    expect(operationOutcome('error', 'invalid', 'Bad', 'context.patientId')).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Bad', expression: ['context.patientId'] }],
    });
    expect(operationOutcome('warning', 'incomplete', 'Partial').issue[0]).not.toHaveProperty('expression');
  });
});

describe('HttpError', () => {
  it('carries status, outcome and headers', () => {
    const err = HttpError.of(412, 'not-found', 'Prefetch "patient" missing', { reason: 'prefetch.missing' });
    expect(err).toBeInstanceOf(Error);
    expect(err.status).toBe(412);
    expect(err.reason).toBe('prefetch.missing');
    expect(err.outcome.issue[0]?.diagnostics).toBe('Prefetch "patient" missing');
  });
  it('rejects non-error statuses', () => {
    expect(() => HttpError.of(200, 'informational', 'ok')).toThrow(RangeError);
  });
});

describe('error middleware', () => {
  it('writes an HttpError as-is, with its headers', async () => {
    const res = await request(app()).get('/http-error');
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(FHIR_JSON);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'conflict',
          diagnostics: 'Version conflict',
          expression: ['Patient.meta.versionId'],
        },
      ],
    });
  });

  it('turns invalid JSON into 400 without echoing or logging the body', async () => {
    const { logger, lines } = captureLogger();
    const res = await request(app(logger))
      .post('/validate')
      .set('Content-Type', 'application/fhir+json')
      .send('{"secret":"PAYLOAD-SECRET"');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(FHIR_JSON);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({
      severity: 'error',
      code: 'structure',
      diagnostics: 'Request body is not valid JSON',
    });
    expect(res.text).not.toContain('PAYLOAD-SECRET');
    expect(lines.join('')).toContain('body.parse-failed');
    expect(lines.join('')).not.toContain('PAYLOAD-SECRET');
  });

  it('turns an over-limit body into 413', async () => {
    const res = await request(app())
      .post('/validate')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ hook: 'x'.repeat(500) }));
    expect(res.status).toBe(413);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'too-long' });
  });

  it('turns a zod error into 400 naming each field path in expression and diagnostics', async () => {
    const res = await request(app())
      .post('/validate')
      .send({ hook: 5, context: { patientId: 'p1', draftOrders: [{ id: 1 }], extra: true } });
    expect(res.status).toBe(400);
    const issues = (res.body as OperationOutcome).issue;
    expect(issues.map((i) => i.expression?.[0])).toEqual(['hook', 'context.draftOrders[0].id', 'context.extra']);
    expect(issues.every((i) => i.code === 'invalid')).toBe(true);
    expect(issues[0]?.diagnostics).toMatch(/^hook: /);
    expect(issues[1]?.diagnostics).toMatch(/^context\.draftOrders\[0\]\.id: /);
  });

  it('turns an unknown error into a generic 500 and logs it without request data', async () => {
    const { logger, lines } = captureLogger();
    const res = await request(app(logger)).get('/boom?name=Smith');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(FHIR_JSON);
    expect(res.body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'fatal', code: 'exception', diagnostics: 'Internal server error' }],
    });
    const log = lines.join('');
    expect(log).toContain('"status":500');
    expect(log).toContain('"path":"/boom"');
    expect(log).not.toContain('Smith');
  });

  it('catches rejected async handlers (express 5)', async () => {
    const res = await request(app()).get('/async-boom');
    expect(res.status).toBe(500);
    expect((res.body as OperationOutcome).issue[0]?.diagnostics).toBe('Internal server error');
  });

  it('keeps the status of a medplum OperationOutcomeError', async () => {
    expect((await request(app()).get('/medplum-404')).status).toBe(404);
    const res = await request(app()).get('/medplum-400');
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0]?.expression).toEqual(['Patient.name']);
  });

  it('maps other 4xx errors to a generic text for their status', async () => {
    const res = await request(app()).get('/status-403');
    expect(res.status).toBe(403);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'forbidden', diagnostics: 'Forbidden' });
  });

  it('handles non-Error throws', async () => {
    expect((await request(app()).get('/throw-string')).status).toBe(500);
    expect(toErrorResponse(undefined).status).toBe(500);
  });

  it('answers unknown routes with a 404 OperationOutcome', async () => {
    const res = await request(app()).get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(FHIR_JSON);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({
      code: 'not-found',
      diagnostics: 'No route for GET /nowhere',
    });
  });
});
