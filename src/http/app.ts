import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Ruleset } from '../core/rules/compiled-rule.js';
import type { Settings } from '../core/settings.js';
import type { RoleCodeHierarchy } from '../core/terminology/role-codes.js';
import type { AuditStore, CardContext } from '../cds/feedback.js';
import type { HookMetrics } from '../cds/hook.js';
import { MemoryCache } from '../cds/memory-cache.js';
import { createCdsRouter } from '../cds/router.js';
import { audienceFromPublicBase, createCdsJwtAuth } from './auth/index.js';
import { createErrorHandler, notFoundHandler } from './errors/index.js';
import {
  PAGE_CSP,
  renderReviewNotFound,
  renderReviewPage,
  renderRuleIndex,
  renderRulePage,
  type ReviewEntry,
} from './review-page.js';

/**
 * The DonorGuard HTTP service (express 5):
 *
 * - `GET /health`: liveness for load balancers;
 * - `/cds-services`: CDS Hooks discovery, services and feedback, behind CORS, the CDS client JWT check
 *   (when AUTH_MODE=jwt) and a JSON body limit;
 * - `/fhir`: the embedded FHIR server, when no FHIR_BASE_URL is configured (demo mode);
 * - `GET /review/{patientId}?report=…`: the screening report a card links to;
 * - `GET /rules`, `GET /rules/{id}`: rule documentation (each card's `source.url`);
 * - every error as an OperationOutcome (400 naming the field, 404, 412, 413, 415, 500).
 */

export interface AppDeps {
  config: Config;
  ruleset: Ruleset;
  roleCodes: RoleCodeHierarchy;
  settings: Settings;
  logger: Logger;
  /** Mounted at `/fhir` (demo mode). */
  embeddedFhir?: { router: Router };
  /** Where feedback AuditEvents go. */
  auditStore: AuditStore;
  /** The screen date (YYYY-MM-DD); default: today in UTC. */
  asOf?: () => string;
  now?: () => Date;
  /** When given, a hook's `fhirServer` must pass it, or the service fetches nothing from it. */
  fhirServerAllowed?: (url: string) => boolean;
  /** Called after every hook call with its metrics (tests, benchmarks). */
  onHook?: (metrics: HookMetrics) => void;
  /** Registers extra routes before the 404 handler (the benchmark's baseline endpoint). */
  configure?: (app: Express) => void;
}

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Max-Age': '600',
};

const REVIEW_TTL_MS = 60 * 60 * 1000;
const CARD_CONTEXT_TTL_MS = 24 * 60 * 60 * 1000;
const REPORT_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function securityHeaders(https: boolean): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

const cors: RequestHandler = (req, res, next) => {
  res.set(CORS_HEADERS);
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
};

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

function sendHtml(res: Response, status: number, html: string, cache: string): void {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('Cache-Control', cache);
  res.send(html);
}

export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders(config.publicBaseUrl.startsWith('https:')));

  app.get('/health', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });

  if (deps.embeddedFhir) app.use('/fhir', deps.embeddedFhir.router);

  const ruleTitles = new Map(deps.ruleset.rules.map((r) => [r.id, r.title]));
  const reviews = new MemoryCache<ReviewEntry>(2000, REVIEW_TTL_MS);
  const cardContexts = new MemoryCache<CardContext>(20000, CARD_CONTEXT_TTL_MS);
  const auth = createCdsJwtAuth({
    enabled: config.auth.mode === 'jwt',
    trustedIssuers: config.auth.trustedIssuers,
    audienceFor: audienceFromPublicBase(config.publicBaseUrl),
    logger,
  });
  const cdsRouter = createCdsRouter({
    publicBaseUrl: config.publicBaseUrl,
    ruleset: deps.ruleset,
    ruleTitles,
    roleCodes: deps.roleCodes,
    settings: deps.settings,
    hookDeadlineMs: config.hookDeadlineMs,
    fhirCallTimeoutMs: config.fhirCallTimeoutMs,
    asOf: deps.asOf ?? (() => new Date().toISOString().slice(0, 10)),
    now: deps.now ?? (() => new Date()),
    logger,
    ...(deps.fhirServerAllowed ? { fhirServerAllowed: deps.fhirServerAllowed } : {}),
    reviews,
    cardContexts,
    auditStore: deps.auditStore,
    ...(deps.onHook ? { onHook: deps.onHook } : {}),
  });
  app.use(
    '/cds-services',
    cors,
    noStore,
    auth,
    express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] }),
    cdsRouter,
  );

  app.get('/review/:patientId', (req: Request, res: Response) => {
    const token = typeof req.query.report === 'string' ? req.query.report : '';
    const entry = REPORT_TOKEN.test(token) ? reviews.get(token) : undefined;
    if (!entry || entry.patientId !== req.params.patientId) {
      sendHtml(res, 404, renderReviewNotFound(), 'no-store');
      return;
    }
    sendHtml(res, 200, renderReviewPage(entry, ruleTitles), 'no-store');
  });
  const rulesById = new Map(deps.ruleset.rules.map((r) => [r.id, r]));
  app.get('/rules', (_req, res) => {
    sendHtml(res, 200, renderRuleIndex(deps.ruleset.rules, deps.ruleset.version), 'no-cache');
  });
  app.get('/rules/:id', (req: Request, res: Response, next: NextFunction) => {
    const rule = rulesById.get(String(req.params.id));
    if (!rule) {
      next();
      return;
    }
    sendHtml(res, 200, renderRulePage(rule), 'no-cache');
  });

  deps.configure?.(app);
  app.use(notFoundHandler);
  app.use(createErrorHandler({ logger }));
  return app;
}
