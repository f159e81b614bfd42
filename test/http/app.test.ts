import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryResponseSchema, operationOutcomeSchema } from '../../src/cds/schemas.js';
import { patientView, postJson, startService, type RunningService } from '../cds/support.js';

/** The HTTP shell around the CDS services: health, headers, CORS, body limit, malformed JSON, auth wiring. */

describe('app (auth off, no embedded FHIR server)', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ embedded: false, env: { BODY_LIMIT: '2kb' } });
  });
  afterAll(async () => {
    await svc.close();
  });

  it('GET /health answers 200 {status: ok}', async () => {
    const res = await fetch(`${svc.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('sends security headers', async () => {
    const res = await fetch(`${svc.url}/cds-services`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers CORS preflights with 204 and allows Authorization and Content-Type', async () => {
    const res = await fetch(`${svc.url}/cds-services/donorguard-patient-view`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://sandbox.cds-hooks.org',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const get = await fetch(`${svc.url}/cds-services`, { headers: { origin: 'https://sandbox.cds-hooks.org' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('passes without a bearer token when auth is off', async () => {
    const res = await fetch(`${svc.url}/cds-services`);
    expect(res.status).toBe(200);
    discoveryResponseSchema.parse(await res.json());
  });

  it('413 with an OperationOutcome for a body over the limit', async () => {
    const res = await postJson(
      `${svc.url}/cds-services/donorguard-patient-view`,
      patientView('x', { padding: 'x'.repeat(4096) }),
    );
    expect(res.status).toBe(413);
    expect(operationOutcomeSchema.parse(res.json).issue[0]?.code).toBe('too-long');
  });

  it('400 with an OperationOutcome for malformed JSON', async () => {
    const res = await fetch(`${svc.url}/cds-services/donorguard-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hook": "patient-view",',
    });
    expect(res.status).toBe(400);
    expect(operationOutcomeSchema.parse(await res.json()).issue[0]?.code).toBe('structure');
  });

  it('415 for a body that is not JSON, 400 for no body', async () => {
    const text = await fetch(`${svc.url}/cds-services/donorguard-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    operationOutcomeSchema.parse(await text.json());
    const none = await fetch(`${svc.url}/cds-services/donorguard-patient-view`, { method: 'POST' });
    expect(none.status).toBe(400);
    operationOutcomeSchema.parse(await none.json());
  });

  it('404 with an OperationOutcome for an unknown route; the FHIR path is not served without the embedded server', async () => {
    for (const path of ['/nope', '/fhir/metadata']) {
      const res = await fetch(`${svc.url}${path}`);
      expect(res.status).toBe(404);
      operationOutcomeSchema.parse(await res.json());
    }
  });

  it('serves the rule documentation each card links to', async () => {
    const index = await fetch(`${svc.url}/rules`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const rule = await fetch(`${svc.url}/rules/process.interpreter-not-independent`);
    expect(rule.status).toBe(200);
    expect(await rule.text()).toContain('process.interpreter-not-independent');
    expect((await fetch(`${svc.url}/rules/nope.nope`)).status).toBe(404);
  });
});

describe('app (auth on)', () => {
  const ISS = 'https://ehr.example.org';
  let svc: RunningService;
  let key: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES384', { extractable: true });
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' };
    svc = await startService({
      embedded: false,
      env: { AUTH_MODE: 'jwt', TRUSTED_ISSUERS: JSON.stringify([{ iss: ISS, jwks: { keys: [jwk] } }]) },
    });
  });
  afterAll(async () => {
    await svc.close();
  });

  const token = (aud: string) =>
    new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT' })
      .setIssuer(ISS)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  it('requires a bearer token on discovery, service and feedback calls (401)', async () => {
    const discovery = await fetch(`${svc.url}/cds-services`);
    expect(discovery.status).toBe(401);
    expect(discovery.headers.get('www-authenticate')).toBe('Bearer');
    operationOutcomeSchema.parse(await discovery.json());
    const hook = await postJson(`${svc.url}/cds-services/donorguard-patient-view`, patientView('x'));
    expect(hook.status).toBe(401);
    const feedback = await postJson(`${svc.url}/cds-services/donorguard-patient-view/feedback`, { feedback: [] });
    expect(feedback.status).toBe(401);
  });

  it('accepts a valid token whose audience is the endpoint called', async () => {
    const discovery = await fetch(`${svc.url}/cds-services`, {
      headers: { authorization: `Bearer ${await token(`${svc.url}/cds-services`)}` },
    });
    expect(discovery.status).toBe(200);
    discoveryResponseSchema.parse(await discovery.json());
    const url = `${svc.url}/cds-services/donorguard-patient-view`;
    // Past authentication: no prefetch and no fhirServer, so 412.
    const hook = await postJson(url, patientView('x'), { authorization: `Bearer ${await token(url)}` });
    expect(hook.status).toBe(412);
    const wrongAudience = await postJson(url, patientView('x'), {
      authorization: `Bearer ${await token(`${svc.url}/cds-services`)}`,
    });
    expect(wrongAudience.status).toBe(401);
  });

  it('lets CORS preflights through without a token', async () => {
    const res = await fetch(`${svc.url}/cds-services/donorguard-patient-view`, {
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
  });
});
