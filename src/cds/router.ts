import express, { type Request, type Response, type Router } from 'express';
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { getCdsClient } from '../http/auth/index.js';
import { HttpError, operationOutcomeOf, sendOperationOutcome } from '../http/errors/index.js';
import { feedbackAuditEvent, feedbackKey, type AuditStore, type CardContext, type StoreResult } from './feedback.js';
import { PreconditionFailed } from './gather.js';
import { emptyMetrics, runHook, type HookDeps, type HookMetrics } from './hook.js';
import type { MemoryCache } from './memory-cache.js';
import {
  feedbackRequestSchema,
  serializeCdsJson,
  serializeCdsResponse,
  type DiscoveryResponse,
  type FeedbackResponse,
} from './schemas.js';
import { findService, SERVICES } from './services.js';

/**
 * The CDS Hooks endpoints, mounted at `/cds-services` (after CORS, authentication and the JSON body
 * parser, which `src/http/app.ts` puts in front):
 *
 * - `GET /` discovery;
 * - `POST /{id}` a hook call;
 * - `POST /{id}/feedback` card feedback, stored once per card and outcome as an AuditEvent.
 */

export interface CdsRouterDeps extends HookDeps {
  auditStore: AuditStore;
  cardContexts: MemoryCache<CardContext>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function sendJson(res: Response, status: number, text: string): void {
  res.status(status).setHeader('Content-Type', JSON_TYPE);
  res.send(text);
}

function requireBody(req: Request): unknown {
  if (req.body === undefined) {
    const type = req.get('content-type');
    if (type !== undefined && !/json/i.test(type)) {
      throw HttpError.of(415, 'not-supported', 'Send the request body as application/json', {
        reason: 'body.not-json',
      });
    }
    throw HttpError.of(400, 'required', 'A JSON request body is required', { reason: 'body.missing' });
  }
  return req.body as unknown;
}

function serviceOf(req: Request): ReturnType<typeof findService> & object {
  const id = String(req.params.id ?? '');
  const service = findService(id);
  if (!service) throw HttpError.of(404, 'not-found', 'No CDS service with this id', { reason: 'cds.unknown-service' });
  return service;
}

export function createCdsRouter(deps: CdsRouterDeps): Router {
  const router = express.Router();
  const discovery: DiscoveryResponse = { services: SERVICES.map((s) => ({ ...s, prefetch: { ...s.prefetch } })) };
  const discoveryText = serializeCdsJson(discovery);

  router.get('/', (_req, res) => {
    sendJson(res, 200, discoveryText);
  });

  router.post('/:id', async (req, res) => {
    const service = serviceOf(req);
    const body = requireBody(req);
    const hook = (body as { hook?: unknown } | null)?.hook;
    if (typeof hook === 'string' && hook !== service.hook) {
      throw HttpError.of(400, 'invalid', `hook: this service answers "${service.hook}"`, {
        expression: 'hook',
        reason: 'cds.wrong-hook',
      });
    }
    try {
      const { response, metrics } = await runHook(service, body, deps);
      logHook(deps, metrics);
      sendJson(res, 200, serializeCdsResponse(response));
    } catch (err) {
      if (!(err instanceof PreconditionFailed)) throw err;
      const issues: OperationOutcomeIssue[] = err.issues.map((i) => ({
        severity: 'error',
        code: 'incomplete',
        diagnostics: i.diagnostics,
        ...(i.expression !== undefined ? { expression: [i.expression] } : {}),
      }));
      const hookInstance = (body as { hookInstance?: unknown }).hookInstance;
      logHook(deps, {
        ...emptyMetrics(
          service,
          typeof hookInstance === 'string' ? hookInstance.slice(0, 128) : '',
          'precondition-failed',
          412,
        ),
        missing: err.issues.map((i) => i.expression ?? ''),
      });
      sendOperationOutcome(res, 412, operationOutcomeOf(issues));
    }
  });

  router.post('/:id/feedback', async (req, res) => {
    const service = serviceOf(req);
    const request = feedbackRequestSchema.parse(requireBody(req));
    const caller = getCdsClient(res);
    const recordedAt = deps.now().toISOString();
    let stored = 0;
    let alreadyStored = 0;
    const results = await Promise.allSettled(
      request.feedback.map((item) =>
        deps.auditStore.storeOnce(
          feedbackAuditEvent(
            item,
            service.id,
            deps.cardContexts.get(item.card),
            { ...(caller?.iss ? { iss: caller.iss } : {}), ...(caller?.tenant ? { tenant: caller.tenant } : {}) },
            recordedAt,
          ),
          feedbackKey(item),
        ),
      ),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      const result: StoreResult = r.value;
      if (result === 'created') stored++;
      else alreadyStored++;
    }
    deps.logger.info(
      {
        service: service.id,
        received: request.feedback.length,
        stored,
        alreadyStored,
        failed: failed.length,
        outcomes: request.feedback.map((f) => f.outcome),
      },
      'cds feedback',
    );
    if (failed.length > 0) {
      throw HttpError.of(503, 'transient', 'The feedback could not be stored; send it again (resending is safe)', {
        reason: 'feedback.store-failed',
        headers: { 'Retry-After': '5' },
        cause: failed[0]?.reason,
      });
    }
    const answer: FeedbackResponse = { received: request.feedback.length, stored, alreadyStored };
    sendJson(res, 200, JSON.stringify(answer));
  });

  return router;
}

function logHook(deps: HookDeps, metrics: HookMetrics): void {
  deps.onHook?.(metrics);
  deps.logger.info({ ...metrics }, 'cds hook');
}
