import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { evalFhirPath, getStatus, parseSearchRequest } from '@medplum/core';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, BundleLink, FhirResource, OperationOutcome, Resource } from 'fhir/r4.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { createErrorHandler, sendOperationOutcome } from '../http/errors/error-handler.js';
import { HttpError } from '../http/errors/http-error.js';
import { FHIR_JSON, operationOutcome } from '../http/errors/operation-outcome.js';
import { buildCapabilityStatement } from './capability-statement.js';
import { isFhirResourceType, loadFhirDefinitions, r4SearchParameters } from './definitions.js';
import { normaliseSearchQuery } from './search-query.js';
import { seedRepository } from './seed.js';

/**
 * An in-process FHIR R4 server for demos and tests: @medplum/fhir-router's `FhirRouter` over a
 * `MemoryRepository`, behind an express adapter that fills the gaps standards.md §4.4 lists:
 *
 * - `GET /metadata` answers a real CapabilityStatement;
 * - bare-id reference searches match (`RelatedPerson?patient=123`), see `normaliseSearchQuery`;
 * - searchsets are paged (`_count`, default page size 100) with absolute `self`/`next`/`previous`
 *   links, so fhir-kit-client's `nextPage` works; `_include`/`_revinclude` one level deep;
 * - unsupported search features are refused with 400 instead of returning nothing;
 * - transaction and batch Bundles at the base (`POST /fhir`), `urn:uuid:` references rewritten;
 * - `POST Type/_search` (form-encoded, what fhir-kit-client's `postSearch` and the CDS Hooks sandbox send);
 * - JSON bodies (`application/fhir+json`, `application/json`, `application/json-patch+json`);
 *   responses are `application/fhir+json`; errors are OperationOutcomes with the status from `getStatus`;
 * - CORS for browser clients (the CDS Hooks sandbox reads the FHIR server from the page).
 *
 * Mount it with `app.use('/fhir', server.router)`.
 */

export interface EmbeddedFhirServerOptions {
  /** Public absolute base URL, e.g. `http://localhost:3000/fhir`. Absent: derived from each request (protocol, Host, mount path). */
  baseUrl?: string;
  /** Largest accepted request body. Default `5mb`. */
  bodyLimit?: string | number;
  /** Page size when a search gives no `_count`. Default 100. */
  defaultPageSize?: number;
  /** Largest `_count` honoured. Default 1000. */
  maxPageSize?: number;
  logger?: Logger;
}

export interface EmbeddedFhirServer {
  /** Express router to mount at the FHIR base path. */
  router: Router;
  repo: MemoryRepository;
  fhirRouter: FhirRouter;
  /**
   * Loads a Bundle of any type, keeping resource ids (see `seedRepository`).
   * @returns a `transaction-response` Bundle, one entry per stored resource in input order.
   */
  seed(bundle: Bundle | Bundle<FhirResource>): Promise<Bundle>;
  /** Removes every resource. */
  clear(): void;
}

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers':
    'Authorization, Content-Type, Accept, Prefer, If-None-Exist, If-Match, If-None-Match, If-Modified-Since',
  'Access-Control-Expose-Headers': 'Location, ETag, Content-Location, Last-Modified',
  'Access-Control-Max-Age': '600',
};

const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/json-patch+json', 'application/*+json'];
const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const REFERENCE_PATTERN = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

export function createEmbeddedFhirServer(options: EmbeddedFhirServerOptions = {}): EmbeddedFhirServer {
  loadFhirDefinitions();
  const repo = new MemoryRepository();
  const fhirRouter = new FhirRouter();
  const configuredBase = options.baseUrl?.replace(/\/+$/, '');
  const defaultPageSize = options.defaultPageSize ?? 100;
  const maxPageSize = options.maxPageSize ?? 1000;
  const bodyLimit = options.bodyLimit ?? '5mb';
  const logger = options.logger;
  const capabilityStatements = new Map<string, string>();

  const baseFor = (req: Request): string =>
    configuredBase ?? `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;

  const router = express.Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    res.set(CORS_HEADERS);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  router.get('/metadata', (req: Request, res: Response) => {
    const base = baseFor(req);
    let body = capabilityStatements.get(base);
    if (body === undefined) {
      body = JSON.stringify(buildCapabilityStatement(base));
      capabilityStatements.set(base, body);
    }
    sendJson(res, 200, body);
  });

  router.use(express.json({ type: JSON_TYPES, limit: bodyLimit }));
  router.use(express.urlencoded({ type: 'application/x-www-form-urlencoded', extended: false, limit: bodyLimit }));

  router.use(async (req: Request, res: Response) => {
    const base = baseFor(req);
    const method = (req.method === 'HEAD' ? 'GET' : req.method) as HttpMethod;
    if (!METHODS.has(method)) {
      throw HttpError.of(405, 'not-supported', `Method ${req.method} is not supported`);
    }
    const [pathPart = '', queryPart = ''] = splitOnce(req.url, '?');
    const segments = pathPart.split('/').filter((s) => s !== '');
    const type = segments[0];
    if (type === undefined) {
      if (method === 'POST') {
        await forward(req, res, base, method, '', new URLSearchParams());
        return;
      }
      throw HttpError.of(
        400,
        'not-supported',
        'System-level search is not supported by this server: search a resource type',
      );
    }
    if (!isFhirResourceType(type)) {
      throw HttpError.of(404, 'not-found', `Unknown resource type or operation "${safeText(type)}"`);
    }
    if (segments.length === 3 && method === 'GET' && isFhirResourceType(segments[2] ?? '')) {
      throw HttpError.of(
        400,
        'not-supported',
        'Compartment search is not supported by this server: search the resource type with a patient parameter',
      );
    }
    const query = new URLSearchParams(queryPart);

    if (method === 'POST' && segments.length === 2 && segments[1] === '_search') {
      for (const [key, value] of formParams(req.body)) {
        query.append(key, value);
      }
      await search(res, base, type, query);
      return;
    }
    if (method === 'GET' && segments.length === 1) {
      await search(res, base, type, query);
      return;
    }
    await forward(
      req,
      res,
      base,
      method,
      segments.join('/'),
      [...query].length ? normaliseSearchQuery(type, query, { baseUrl: base }) : query,
    );
  });

  router.use(createErrorHandler(logger ? { logger } : {}));

  /** Any non-search interaction: handed to Medplum's router as-is (query normalised for conditional requests). */
  async function forward(
    req: Request,
    res: Response,
    base: string,
    method: HttpMethod,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const type = path.split('/')[0] ?? '';
    const writes = method === 'POST' || method === 'PUT' || method === 'PATCH';
    let body: unknown = req.body;
    if (writes && body === undefined) {
      throw hasBody(req)
        ? HttpError.of(
            415,
            'not-supported',
            'Send the body as application/fhir+json (or application/json-patch+json for PATCH)',
          )
        : HttpError.of(400, 'required', 'Request body is required');
    }
    const headers: IncomingHttpHeaders = { ...req.headers };
    const ifNoneExist = req.get('if-none-exist');
    if (ifNoneExist !== undefined && type !== '') {
      headers['if-none-exist'] = normaliseSearchQuery(type, new URLSearchParams(ifNoneExist), {
        baseUrl: base,
      }).toString();
    }
    if (method === 'POST' && path === '' && isBundle(body)) {
      body = normaliseBatchSearches(body, base);
    }
    const isInstancePut = method === 'PUT' && path.split('/').length === 2;
    const existedBefore = isInstancePut ? await exists(path) : true;

    const search = query.toString();
    const [outcome, resource] = await fhirRouter.handleRequest(
      fhirRequest(method, search ? `${path}?${search}` : path, body, headers),
      repo,
    );
    let status = getStatus(outcome);
    if (status >= 400) {
      sendOutcome(res, status, outcome as unknown as OperationOutcome);
      return;
    }
    if (!resource) {
      sendOutcome(res, status, outcome as unknown as OperationOutcome);
      return;
    }
    if (isInstancePut && !existedBefore && status === 200) {
      status = 201;
    }
    sendResource(res, status, resource as unknown as FhirResource, base);
  }

  async function search(res: Response, base: string, type: string, rawQuery: URLSearchParams): Promise<void> {
    const query = normaliseSearchQuery(type, rawQuery, { baseUrl: base });
    const count = query.get('_count');
    if (count === null) {
      if (query.get('_summary') !== 'count') {
        query.set('_count', String(defaultPageSize));
      }
    } else if (Number(count) > maxPageSize) {
      query.set('_count', String(maxPageSize));
    }
    const includes = query.getAll('_include');
    const revIncludes = query.getAll('_revinclude');
    const forMedplum = new URLSearchParams(query);
    forMedplum.delete('_include');
    forMedplum.delete('_revinclude');

    const [outcome, result] = await fhirRouter.handleRequest(
      fhirRequest('GET', `${type}?${forMedplum.toString()}`, undefined, {}),
      repo,
    );
    const status = getStatus(outcome);
    if (status >= 400 || !result || result.resourceType !== 'Bundle') {
      sendOutcome(res, status >= 400 ? status : 500, outcome as unknown as OperationOutcome);
      return;
    }
    const bundle = result as unknown as Bundle;
    const matches = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource as FhirResource] : []));
    const entry: BundleEntry[] = matches.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' },
    }));
    for (const resource of await included(base, matches, includes, revIncludes)) {
      entry.push({
        fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
        resource,
        search: { mode: 'include' },
      });
    }
    const out: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(bundle.total !== undefined ? { total: bundle.total } : {}),
      link: pageLinks(base, type, query, bundle.total),
      ...(entry.length ? { entry } : {}),
    };
    sendJson(res, 200, JSON.stringify(out));
  }

  /** `_include` (references from the matches) and `_revinclude` (resources referring to them), one level. */
  async function included(
    base: string,
    matches: FhirResource[],
    includes: string[],
    revIncludes: string[],
  ): Promise<FhirResource[]> {
    if (matches.length === 0 || (includes.length === 0 && revIncludes.length === 0)) {
      return [];
    }
    const have = new Set(matches.map((r) => `${r.resourceType}/${r.id ?? ''}`));
    const out: FhirResource[] = [];
    const add = (resource: FhirResource): void => {
      const ref = `${resource.resourceType}/${resource.id ?? ''}`;
      if (!have.has(ref)) {
        have.add(ref);
        out.push(resource);
      }
    };
    for (const include of includes) {
      const [source = '', code = '', target] = include.split(':');
      const expression = r4SearchParameters(source).get(code)?.expression;
      if (!expression) continue;
      for (const match of matches) {
        if (match.resourceType !== source) continue;
        for (const value of evalFhirPath(expression, match)) {
          const reference = referenceOf(value, base);
          const parsed = reference ? REFERENCE_PATTERN.exec(reference) : null;
          if (!parsed || (target !== undefined && parsed[1] !== target) || have.has(reference ?? '')) continue;
          try {
            add((await repo.readResource(parsed[1] as string, parsed[2] as string)) as unknown as FhirResource);
          } catch {
            // dangling reference: nothing to include
          }
        }
      }
    }
    for (const revInclude of revIncludes) {
      const [source = '', code = ''] = revInclude.split(':');
      const refs = matches.map((r) => `${r.resourceType}/${r.id ?? ''}`);
      const found = await repo.searchByReference(
        parseSearchRequest(source as Parameters<typeof parseSearchRequest>[0]),
        code,
        refs,
      );
      for (const list of Object.values(found)) {
        for (const resource of list) {
          add(resource as unknown as FhirResource);
        }
      }
    }
    return out;
  }

  function pageLinks(base: string, type: string, query: URLSearchParams, total: number | undefined): BundleLink[] {
    const url = (offset: number | undefined): string => {
      const q = new URLSearchParams(query);
      if (offset === undefined) {
        // keep as given
      } else if (offset === 0) {
        q.delete('_offset');
      } else {
        q.set('_offset', String(offset));
      }
      const s = q.toString();
      return `${base}/${type}${s ? `?${s}` : ''}`;
    };
    const links: BundleLink[] = [{ relation: 'self', url: url(undefined) }];
    const count = Number(query.get('_count') ?? 0);
    const offset = Number(query.get('_offset') ?? 0);
    if (count > 0 && total !== undefined) {
      links.push({ relation: 'first', url: url(0) });
      if (offset > 0) {
        links.push({ relation: 'previous', url: url(Math.max(0, offset - count)) });
      }
      if (offset + count < total) {
        links.push({ relation: 'next', url: url(offset + count) });
      }
      links.push({ relation: 'last', url: url(Math.max(0, Math.floor((total - 1) / count) * count)) });
    }
    return links;
  }

  async function exists(path: string): Promise<boolean> {
    const [type = '', id = ''] = path.split('/');
    try {
      await repo.readResource(type, id);
      return true;
    } catch {
      return false;
    }
  }

  function sendOutcome(res: Response, status: number, outcome: OperationOutcome): void {
    if (status >= 500) {
      logger?.error(
        { status, issue: outcome.issue?.[0]?.diagnostics ?? outcome.issue?.[0]?.details?.text },
        'embedded FHIR server error',
      );
      sendOperationOutcome(res, status, operationOutcome('fatal', 'exception', 'Internal server error'));
      return;
    }
    sendOperationOutcome(res, status, outcome);
  }

  return {
    router,
    repo,
    fhirRouter,
    seed: (bundle) => seedRepository(repo, bundle, configuredBase),
    clear: () => {
      repo.clear();
    },
  };
}

// ---------------------------------------------------------------------------------------------------

function fhirRequest(method: HttpMethod, url: string, body: unknown, headers: IncomingHttpHeaders): FhirRequest {
  return { method, url, pathname: '', params: {}, query: {}, body, headers, config: { transactions: true } };
}

function sendJson(res: Response, status: number, body: string): void {
  res.status(status);
  res.setHeader('Content-Type', FHIR_JSON);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function sendResource(res: Response, status: number, resource: FhirResource, base: string): void {
  const versionId = resource.meta?.versionId;
  if (resource.resourceType !== 'Bundle' && versionId) {
    res.setHeader('ETag', `W/"${versionId}"`);
    if (resource.meta?.lastUpdated) {
      res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
    }
    if (status === 201 && resource.id) {
      res.setHeader('Location', `${base}/${resource.resourceType}/${resource.id}/_history/${versionId}`);
    }
  }
  sendJson(res, status, JSON.stringify(resource));
}

function splitOnce(value: string, separator: string): [string, string] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
}

function formParams(body: unknown): Array<[string, string]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [];
  }
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') {
        out.push([key, v]);
      }
    }
  }
  return out;
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as Resource).resourceType === 'Bundle';
}

/** Bare-id reference searches inside a batch/transaction get the same rewrite as top-level ones (best effort). */
function normaliseBatchSearches(bundle: Bundle, base: string): Bundle {
  if (!bundle.entry?.some((e) => e.request?.method === 'GET' && e.request.url.includes('?'))) {
    return bundle;
  }
  return {
    ...bundle,
    entry: bundle.entry.map((e) => {
      const url = e.request?.url;
      if (e.request?.method !== 'GET' || url === undefined || !url.includes('?')) {
        return e;
      }
      const [path, q] = splitOnce(url, '?');
      if (!isFhirResourceType(path)) {
        return e;
      }
      const normalised = normaliseSearchQuery(path, new URLSearchParams(q), {
        baseUrl: base,
        strict: false,
      }).toString();
      return { ...e, request: { ...e.request, url: `${path}?${normalised}` } };
    }),
  };
}

function referenceOf(value: unknown, base: string): string | undefined {
  const reference =
    typeof value === 'object' && value !== null ? (value as { reference?: unknown }).reference : undefined;
  if (typeof reference !== 'string') {
    return undefined;
  }
  return reference.startsWith(`${base}/`) ? reference.slice(base.length + 1) : reference;
}

/** Echo at most 64 plain characters of client input. */
function safeText(value: string): string {
  return value.replace(/[^A-Za-z0-9_\-.$]/g, '?').slice(0, 64);
}
