import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cdsResponseSchema, operationOutcomeSchema, type CdsResponse } from '../../src/cds/schemas.js';
import { PREFETCH_KEYS } from '../../src/cds/services.js';
import { buildPrefetch, donorId, patientView, postJson, startService, type RunningService } from './support.js';

/**
 * What a real FHIR server will not do on demand (timeouts, 5xx, 401, malformed JSON, broken paging,
 * refused batches), injected by nock in front of the embedded server: `https://ehr.example.org/fhir`
 * is a nock proxy that forwards to the embedded server unless a fault matches.
 */

const EHR_ORIGIN = 'https://ehr.example.org';
const EHR = `${EHR_ORIGIN}/fhir`;
const TOKEN = 'secret-user-token-7f3a9c';
const CALL_TIMEOUT = 1000;
const DEADLINE = 2500;

type Reply = [number, string, Record<string, string>?];
interface Fault {
  match: (method: string, path: string) => boolean;
  reply: (path: string) => Reply | Promise<Reply>;
}

let svc: RunningService;
let faults: Fault[] = [];
const seen: Array<{ method: string; path: string; auth: string | undefined }> = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fhirJson = { 'content-type': 'application/fhir+json' };

async function forward(method: string, path: string, body: unknown): Promise<Reply> {
  const res = await fetch(`${svc.url}${path}`, {
    method,
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = (await res.text()).split(svc.fhirUrl).join(EHR);
  return [res.status, text, fhirJson];
}

function handler(method: string) {
  return async function (
    this: { req: { headers: Record<string, string | undefined> } },
    uri: string,
    body: unknown,
  ): Promise<Reply> {
    const path = decodeURIComponent(uri).replace(/^\/fhir/, '');
    seen.push({ method, path, auth: this.req.headers.authorization });
    const fault = faults.find((f) => f.match(method, path));
    if (fault) return fault.reply(path);
    return forward(method, uri, body);
  };
}

beforeAll(async () => {
  svc = await startService({
    examples: ['08-'],
    captureLogs: true,
    env: { FHIR_CALL_TIMEOUT_MS: String(CALL_TIMEOUT), HOOK_DEADLINE_MS: String(DEADLINE) },
  });
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock(EHR_ORIGIN).persist().get(/.*/).reply(handler('GET')).post(/.*/).reply(handler('POST'));
  // Warm the embedded server and the rules so the per-call timeout measures faults, not a cold start.
  for (let i = 0; i < 2; i++) await call(donorId(svc, '08-'));
});

afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await svc?.close();
});

beforeEach(() => {
  faults = [];
  seen.length = 0;
});

const auth = { access_token: TOKEN, token_type: 'Bearer', expires_in: 30, scope: 'user/*.read', subject: 'donorguard' };

async function call(patientId: string, extra: Record<string, unknown> = {}) {
  return postJson(
    `${svc.url}/cds-services/donorguard-patient-view`,
    patientView(patientId, { fhirServer: EHR, fhirAuthorization: auth, ...extra }),
  );
}

function cardsOf(json: unknown): CdsResponse['cards'] {
  return cdsResponseSchema.parse(json).cards;
}

function incompleteCard(json: unknown) {
  return cardsOf(json).find((c) => c.summary.startsWith('Screen incomplete'));
}

const on = (method: string, pattern: RegExp, reply: Fault['reply']): Fault => ({
  match: (m, p) => m === method && pattern.test(p),
  reply,
});

describe('fallback fetches against a failing FHIR server', () => {
  it('sends the user token as Bearer on every call, and never logs it', async () => {
    const res = await call(donorId(svc, '08-'));
    expect(res.status).toBe(200);
    expect(seen.length).toBe(PREFETCH_KEYS.length + (svc.metrics.at(-1)?.gather?.rounds ?? 0));
    expect(seen.every((s) => s.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(svc.logs.join('\n')).not.toContain(TOKEN);
    expect(svc.logs.some((l) => l.includes('"msg":"cds hook"'))).toBe(true);
  });

  it('5xx on one search: 200 with the findings and a "Screen incomplete" card naming it', async () => {
    faults = [
      on('GET', /^\/Consent\?/, () => [
        503,
        JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] }),
        fhirJson,
      ]),
    ];
    const res = await call(donorId(svc, '08-'));
    expect(res.status).toBe(200);
    const card = incompleteCard(res.json);
    expect(card?.detail).toMatch(
      /donation consent \(Consent\): not checked, because the FHIR server failed \(HTTP 503\)/,
    );
    const finding = cardsOf(res.json).find((c) => c.indicator === 'critical');
    expect(finding?.detail).toMatch(/Screened on partial data/);
  });

  it('a search that times out: 200, incomplete, within the per-call timeout', async () => {
    faults = [on('GET', /^\/Encounter\?/, async () => (await sleep(DEADLINE + 1000), [200, '{}', fhirJson]))];
    const started = Date.now();
    const res = await call(donorId(svc, '08-'));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(DEADLINE);
    expect(incompleteCard(res.json)?.detail).toMatch(
      new RegExp(`Encounter\\): not checked, because the FHIR server did not answer within ${CALL_TIMEOUT} ms`),
    );
  });

  it('401 (token refused): 412 naming the donor record', async () => {
    faults = [on('GET', /.*/, () => [401, '', {}]), on('POST', /.*/, () => [401, '', {}])];
    const res = await call(donorId(svc, '08-'));
    expect(res.status).toBe(412);
    const outcome = operationOutcomeSchema.parse(res.json);
    expect(outcome.issue[0]?.expression).toEqual(['prefetch.patient']);
    expect(outcome.issue[0]?.diagnostics).toMatch(/refused the access token \(HTTP 401\)/);
  });

  it('403 on one search: incomplete, not 412', async () => {
    faults = [on('GET', /^\/RelatedPerson\?/, () => [403, '', {}])];
    const res = await call(donorId(svc, '08-'));
    expect(res.status).toBe(200);
    expect(incompleteCard(res.json)?.detail).toMatch(
      /RelatedPerson\): not checked, because the FHIR server denied access \(HTTP 403\)/,
    );
  });

  it('malformed JSON: for a search, incomplete; for the donor record, 412', async () => {
    faults = [on('GET', /^\/Observation\?/, () => [200, '{"resourceType": "Bundle", "entry": [', fhirJson])];
    const partial = await call(donorId(svc, '08-'));
    expect(partial.status).toBe(200);
    expect(incompleteCard(partial.json)?.detail).toMatch(
      /Observation\): not checked, because the FHIR server's answer was not valid FHIR JSON/,
    );
    faults = [on('GET', /^\/Patient\//, () => [200, '<html>oops</html>', { 'content-type': 'text/html' }])];
    const failed = await call(donorId(svc, '08-'));
    expect(failed.status).toBe(412);
    expect(operationOutcomeSchema.parse(failed.json).issue[0]?.diagnostics).toMatch(/not valid FHIR JSON/);
  });

  it('broken paging: a next page that fails, and a next link to another server', async () => {
    const id = donorId(svc, '08-');
    const firstPage = async (next: string): Promise<Reply> => {
      const [, text] = await forward('GET', `/fhir/Consent?patient=${id}`, undefined);
      const bundle = JSON.parse(text) as { link?: unknown[] };
      bundle.link = [{ relation: 'next', url: next }];
      return [200, JSON.stringify(bundle), fhirJson];
    };
    faults = [
      on('GET', /^\/Consent\?patient=/, () => firstPage(`${EHR}/Consent?page=2`)),
      on('GET', /^\/Consent\?page=2/, () => [500, '', {}]),
    ];
    const failing = await call(id);
    expect(failing.status).toBe(200);
    expect(incompleteCard(failing.json)?.detail).toMatch(
      /Consent\): partly checked, because page 2 could not be read: the FHIR server failed \(HTTP 500\)/,
    );
    expect(seen.some((s) => s.path.startsWith('/Consent?page=2'))).toBe(true);

    faults = [on('GET', /^\/Consent\?patient=/, () => firstPage('https://elsewhere.example.net/fhir/Consent?page=2'))];
    const elsewhere = await call(id);
    expect(elsewhere.status).toBe(200);
    expect(incompleteCard(elsewhere.json)?.detail).toMatch(/next page is on another server, so it was not read/);
  });

  it('an OperationOutcome in the prefetch: that key is fetched from the server', async () => {
    const id = donorId(svc, '08-');
    const prefetch = await buildPrefetch(svc.fhirUrl, id);
    prefetch.consents = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    prefetch.encounters = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] },
          search: { mode: 'outcome' },
        },
      ],
    };
    const res = await call(id, { prefetch });
    expect(res.status).toBe(200);
    const gets = seen.filter((s) => s.method === 'GET').map((s) => s.path.split('?')[0]);
    expect(gets.sort()).toEqual(['/Consent', '/Encounter']);
    expect(incompleteCard(res.json)?.detail ?? '').not.toMatch(/Consent|Encounter/);
  });

  it('a server that refuses batches: the references are read with _id searches instead', async () => {
    const id = donorId(svc, '08-');
    const prefetch = await buildPrefetch(svc.fhirUrl, id);
    const normal = await call(id, { prefetch });
    faults = [
      on('POST', /.*/, () => [
        405,
        JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] }),
        fhirJson,
      ]),
    ];
    seen.length = 0;
    const res = await call(id, { prefetch });
    expect(res.status).toBe(200);
    const codes = (json: unknown) =>
      cardsOf(json)
        .map((c) => c.source.topic?.code)
        .sort();
    expect(codes(res.json)).toEqual(codes(normal.json));
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
    expect(seen.some((s) => /^\/(Practitioner|RelatedPerson|Organization)\?_id=/.test(s.path))).toBe(true);
    expect(svc.metrics.at(-1)?.gather?.fhirRequests).toBe(seen.length);
  });

  it('5xx on the batch: the referenced records and the recipient are listed as not checked', async () => {
    const id = donorId(svc, '08-');
    const prefetch = await buildPrefetch(svc.fhirUrl, id);
    faults = [on('POST', /.*/, () => [502, '', {}])];
    const res = await call(id, { prefetch });
    expect(res.status).toBe(200);
    const detail = incompleteCard(res.json)?.detail ?? '';
    expect(detail).toMatch(
      /records? the donor's data refers to \(.*Practitioner.*\): not read, because the FHIR server failed \(HTTP 502\)/,
    );
    expect(detail).toMatch(/the recipient's conditions .*HTTP 502/);
  });

  it('a server too slow for every call: 412 within the time budget', async () => {
    faults = [on('GET', /.*/, async () => (await sleep(DEADLINE * 2), [200, '{}', fhirJson]))];
    const started = Date.now();
    const res = await call(donorId(svc, '08-'));
    expect(res.status).toBe(412);
    expect(Date.now() - started).toBeLessThan(DEADLINE + 500);
    expect(operationOutcomeSchema.parse(res.json).issue[0]?.diagnostics).toMatch(/did not answer within|time budget/);
  });

  it('an unreachable server: 412', async () => {
    const res = await postJson(
      `${svc.url}/cds-services/donorguard-patient-view`,
      patientView(donorId(svc, '08-'), { fhirServer: 'https://unreachable.example.invalid/fhir' }),
    );
    expect(res.status).toBe(412);
    expect(operationOutcomeSchema.parse(res.json).issue[0]?.diagnostics).toMatch(/could not be reached/);
  });
});
