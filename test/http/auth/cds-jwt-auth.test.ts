import express from 'express';
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import nock from 'nock';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  audienceFromPublicBase,
  createCdsJwtAuth,
  getCdsClient,
  type CdsClientIdentity,
  type CdsJwtAuthConfig,
} from '../../../src/http/auth/index.js';

const EHR = 'https://ehr.example.org';
const EHR_JWKS = 'https://ehr.example.org/.well-known/jwks.json';
const SANDBOX = 'https://sandbox.example.org';
const SANDBOX_JKU = 'https://sandbox.example.org/.well-known/jwks.json';
const INLINE = 'https://inline.example.org';
const BROKEN = 'https://broken.example.org';
const PUBLIC_BASE = 'https://cds.example.org/donorguard';
const SERVICE_PATH = '/cds-services/donor-screen';
const SERVICE_URL = `${PUBLIC_BASE}${SERVICE_PATH}`;

interface ClientBody {
  client: CdsClientIdentity | null;
}

const GENERIC_401 = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'login', diagnostics: 'Authentication required' }],
};

interface Keys {
  es: CryptoKey;
  rs: CryptoKey;
  sandbox: CryptoKey;
  inline: CryptoKey;
  impostor: CryptoKey;
  esPublic: JWK;
  rsPublic: JWK;
  inlinePublic: JWK;
}

let keys: Keys;
const logLines: string[] = [];

async function keyPair(alg: 'ES384' | 'RS384', kid: string): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

beforeAll(async () => {
  const [es, rs, sandbox, inline, impostor] = await Promise.all([
    keyPair('ES384', 'es-1'),
    keyPair('RS384', 'rs-1'),
    keyPair('ES384', 'sandbox-1'),
    keyPair('ES384', 'inline-1'),
    keyPair('ES384', 'es-1'),
  ]);
  keys = {
    es: es.privateKey,
    rs: rs.privateKey,
    sandbox: sandbox.privateKey,
    inline: inline.privateKey,
    impostor: impostor.privateKey,
    esPublic: es.publicJwk,
    rsPublic: rs.publicJwk,
    inlinePublic: inline.publicJwk,
  };
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  nock(EHR)
    .get('/.well-known/jwks.json')
    .reply(200, { keys: [es.publicJwk, rs.publicJwk] })
    .persist();
  nock(SANDBOX)
    .get('/.well-known/jwks.json')
    .reply(200, { keys: [sandbox.publicJwk] })
    .persist();
  nock(BROKEN).get('/jwks.json').reply(503, 'down').persist();
});

afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

beforeEach(() => {
  logLines.length = 0;
});

function config(overrides: Partial<CdsJwtAuthConfig> = {}): CdsJwtAuthConfig {
  return {
    enabled: true,
    trustedIssuers: [
      { iss: EHR, jwksUrl: EHR_JWKS },
      { iss: SANDBOX, allowedJku: [SANDBOX_JKU] },
      { iss: INLINE, jwks: { keys: [keys.inlinePublic] }, allowedTenants: ['tenant-a'] },
      { iss: BROKEN, jwksUrl: `${BROKEN}/jwks.json` },
    ],
    audienceFor: audienceFromPublicBase(PUBLIC_BASE),
    clockSkewSeconds: 30,
    maxTokenLifetimeSeconds: 600,
    logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    ...overrides,
  };
}

function appWith(cfg: CdsJwtAuthConfig): express.Express {
  const app = express();
  const auth = createCdsJwtAuth(cfg);
  app.use('/cds-services', auth);
  app.get('/cds-services', (_req, res) => {
    res.json({ services: [] });
  });
  app.post(SERVICE_PATH, (_req, res) => {
    res.json({ client: getCdsClient(res) ?? null });
  });
  return app;
}

let app: express.Express;
beforeAll(() => {
  app = appWith(config());
});

let counter = 0;
interface TokenOptions {
  alg?: 'ES384' | 'RS384';
  key?: CryptoKey;
  kid?: string;
  typ?: string | null;
  jku?: string;
  claims?: JWTPayload;
  omit?: string[];
}

async function token(options: TokenOptions = {}): Promise<string> {
  const alg = options.alg ?? 'ES384';
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: EHR,
    aud: SERVICE_URL,
    iat: now,
    exp: now + 300,
    jti: `jti-${++counter}-${Math.random()}`,
    ...options.claims,
  };
  for (const name of options.omit ?? []) {
    delete claims[name];
  }
  const header: Record<string, unknown> = { alg, kid: options.kid ?? (alg === 'ES384' ? 'es-1' : 'rs-1') };
  if (options.typ !== null) header.typ = options.typ ?? 'JWT';
  if (options.jku) header.jku = options.jku;
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(options.key ?? (alg === 'ES384' ? keys.es : keys.rs));
}

function call(bearer: string | undefined, path = SERVICE_PATH) {
  const req = path === '/cds-services' ? request(app).get(path) : request(app).post(path).send({});
  return bearer === undefined ? req : req.set('Authorization', bearer);
}

async function expectRejected(bearer: string | undefined, reason: string, path = SERVICE_PATH): Promise<void> {
  const res = await call(bearer, path);
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  expect(res.body).toEqual(GENERIC_401);
  const log = logLines.join('');
  expect(log).toContain(`"reason":"${reason}"`);
  const raw = bearer?.replace(/^Bearer\s+/i, '');
  if (raw) {
    expect(log).not.toContain(raw);
    expect(log).not.toContain(raw.split('.')[2] || raw);
  }
}

describe('createCdsJwtAuth: accepted tokens', () => {
  it('accepts a valid ES384 token whose keys come from the issuer JWKS URL', async () => {
    const t = await token();
    const res = await call(`Bearer ${t}`);
    expect(res.status).toBe(200);
    expect((res.body as ClientBody).client).toMatchObject({ iss: EHR, kid: 'es-1' });
    expect(logLines.join('')).not.toContain(t);
  });

  it('accepts a valid RS384 token', async () => {
    const res = await call(`Bearer ${await token({ alg: 'RS384' })}`);
    expect(res.status).toBe(200);
    expect((res.body as ClientBody).client?.kid).toBe('rs-1');
  });

  it('accepts aud as an array containing the endpoint, and extra claims (Epic sub, nbf)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const t = await token({
      claims: { aud: ['https://other.example.org', SERVICE_URL], sub: 'epic-client', nbf: now - 300 },
    });
    const res = await call(`Bearer ${t}`);
    expect(res.status).toBe(200);
    expect((res.body as ClientBody).client?.sub).toBe('epic-client');
  });

  it('accepts the discovery URL as audience on the discovery endpoint', async () => {
    const res = await call(
      `Bearer ${await token({ claims: { aud: `${PUBLIC_BASE}/cds-services` } })}`,
      '/cds-services',
    );
    expect(res.status).toBe(200);
  });

  it('accepts a jku on the issuer allow-list (sandbox style)', async () => {
    const t = await token({ key: keys.sandbox, kid: 'sandbox-1', jku: SANDBOX_JKU, claims: { iss: SANDBOX } });
    expect((await call(`Bearer ${t}`)).status).toBe(200);
  });

  it('accepts inline JWKS keys and checks the tenant allow-list', async () => {
    const ok = await token({ key: keys.inline, kid: 'inline-1', claims: { iss: INLINE, tenant: 'tenant-a' } });
    const res = await call(`Bearer ${ok}`);
    expect(res.status).toBe(200);
    expect((res.body as ClientBody).client?.tenant).toBe('tenant-a');
    await expectRejected(
      `Bearer ${await token({ key: keys.inline, kid: 'inline-1', claims: { iss: INLINE, tenant: 'tenant-b' } })}`,
      'jwt.bad-tenant',
    );
  });

  it('is case-insensitive about the Bearer scheme', async () => {
    expect((await call(`bearer ${await token()}`)).status).toBe(200);
  });
});

describe('createCdsJwtAuth: rejected tokens answer 401 with no reason in the body', () => {
  it('rejects a missing Authorization header', async () => {
    await expectRejected(undefined, 'jwt.missing');
  });

  it('rejects a malformed token and other schemes', async () => {
    await expectRejected('Bearer not-a-jwt', 'jwt.malformed');
    await expectRejected('Bearer aaa.bbb.ccc', 'jwt.malformed');
    await expectRejected(`Basic ${Buffer.from('u:p').toString('base64')}`, 'jwt.malformed');
  });

  it('rejects an untrusted issuer', async () => {
    await expectRejected(
      `Bearer ${await token({ claims: { iss: 'https://evil.example.org' } })}`,
      'jwt.untrusted-issuer',
    );
  });

  it('rejects a token for another audience', async () => {
    await expectRejected(
      `Bearer ${await token({ claims: { aud: `${PUBLIC_BASE}/cds-services/other-service` } })}`,
      'jwt.bad-audience',
    );
    await expectRejected(
      `Bearer ${await token({ claims: { aud: `${PUBLIC_BASE}/cds-services` } })}`,
      'jwt.bad-audience',
    );
  });

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(`Bearer ${await token({ claims: { iat: now - 400, exp: now - 100 } })}`, 'jwt.expired');
  });

  it('rejects iat in the future beyond the skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(`Bearer ${await token({ claims: { iat: now + 120, exp: now + 300 } })}`, 'jwt.iat-in-future');
  });

  it('rejects a token living longer than allowed', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(`Bearer ${await token({ claims: { iat: now, exp: now + 7200 } })}`, 'jwt.lifetime-too-long');
  });

  it('rejects missing exp, iat or jti', async () => {
    await expectRejected(`Bearer ${await token({ omit: ['exp'] })}`, 'jwt.missing-exp');
    await expectRejected(`Bearer ${await token({ omit: ['iat'] })}`, 'jwt.missing-iat');
    await expectRejected(`Bearer ${await token({ omit: ['jti'] })}`, 'jwt.missing-jti');
  });

  it('rejects a replayed jti', async () => {
    const t = await token();
    expect((await call(`Bearer ${t}`)).status).toBe(200);
    await expectRejected(`Bearer ${t}`, 'jwt.replayed');
    // A new token with the same jti is a replay too.
    const jti = 'fixed-jti';
    expect((await call(`Bearer ${await token({ claims: { jti } })}`)).status).toBe(200);
    await expectRejected(`Bearer ${await token({ claims: { jti } })}`, 'jwt.replayed');
  });

  it('rejects HS256 (signed with a shared secret)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256');
    const t = await new SignJWT({ iss: EHR, aud: SERVICE_URL, iat: now, exp: now + 300, jti: 'hs' })
      .setProtectedHeader({ alg: 'HS256', kid: 'es-1', typ: 'JWT' })
      .sign(secret);
    await expectRejected(`Bearer ${t}`, 'jwt.bad-alg');
  });

  it('rejects alg none (hand-built unsigned token)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const t = `${enc({ alg: 'none', typ: 'JWT', kid: 'es-1' })}.${enc({ iss: EHR, aud: SERVICE_URL, iat: now, exp: now + 300, jti: 'none' })}.`;
    await expectRejected(`Bearer ${t}`, 'jwt.bad-alg');
  });

  it('rejects an ES384 token whose header claims RS384 (alg confusion)', async () => {
    const t = await token();
    const [, payload, signature] = t.split('.');
    const forged = `${base64url.encode(JSON.stringify({ alg: 'RS384', typ: 'JWT', kid: 'rs-1' }))}.${payload}.${signature}`;
    await expectRejected(`Bearer ${forged}`, 'jwt.bad-signature');
  });

  it('rejects other algorithms (ES256)', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const t = await new SignJWT({ iss: EHR, aud: SERVICE_URL, iat: now, exp: now + 300, jti: 'es256' })
      .setProtectedHeader({ alg: 'ES256', kid: 'es-1', typ: 'JWT' })
      .sign(privateKey);
    await expectRejected(`Bearer ${t}`, 'jwt.bad-alg');
  });

  it('rejects an unknown kid', async () => {
    await expectRejected(`Bearer ${await token({ kid: 'no-such-key' })}`, 'jwt.unknown-kid');
  });

  it('rejects a signature by another key under a known kid', async () => {
    await expectRejected(`Bearer ${await token({ key: keys.impostor })}`, 'jwt.bad-signature');
  });

  it('rejects a jku that is not on the issuer allow-list', async () => {
    await expectRejected(`Bearer ${await token({ jku: 'https://evil.example.org/jwks.json' })}`, 'jwt.jku-not-allowed');
    // The sandbox jku is allowed for the sandbox issuer only.
    await expectRejected(`Bearer ${await token({ jku: SANDBOX_JKU })}`, 'jwt.jku-not-allowed');
  });

  it('rejects a wrong or missing typ and a missing kid', async () => {
    await expectRejected(`Bearer ${await token({ typ: 'at+jwt' })}`, 'jwt.bad-typ');
    await expectRejected(`Bearer ${await token({ typ: null })}`, 'jwt.bad-typ');
    await expectRejected(`Bearer ${await token({ kid: '' })}`, 'jwt.missing-kid');
  });

  it('rejects when the issuer JWKS cannot be fetched', async () => {
    await expectRejected(`Bearer ${await token({ claims: { iss: BROKEN } })}`, 'jwt.jwks-unavailable');
  });
});

describe('createCdsJwtAuth: modes and setup', () => {
  it('passes everything through when disabled (demo mode)', async () => {
    const open = appWith({ ...config(), enabled: false, trustedIssuers: [] });
    const res = await request(open).post(SERVICE_PATH).send({});
    expect(res.status).toBe(200);
    expect((res.body as ClientBody).client).toBeNull();
  });

  it('lets CORS preflights through without credentials', async () => {
    const a = express();
    a.use(createCdsJwtAuth(config()));
    a.options(SERVICE_PATH, (_req, res) => {
      res.sendStatus(204);
    });
    expect((await request(a).options(SERVICE_PATH)).status).toBe(204);
  });

  it('refuses to start enabled without trusted issuers or key sources', () => {
    expect(() => createCdsJwtAuth({ ...config(), trustedIssuers: [] })).toThrow(/no trusted issuers/);
    expect(() => createCdsJwtAuth({ ...config(), trustedIssuers: [{ iss: 'x' }] })).toThrow(
      /no jwksUrl, jwks or allowedJku/,
    );
    expect(() =>
      createCdsJwtAuth({
        ...config(),
        trustedIssuers: [
          { iss: 'x', jwksUrl: EHR_JWKS },
          { iss: 'x', jwksUrl: EHR_JWKS },
        ],
      }),
    ).toThrow(/listed twice/);
  });

  it('computes the audience from the public base URL, ignoring the query', () => {
    const aud = audienceFromPublicBase('https://cds.example.org/base/');
    expect(aud({ originalUrl: '/cds-services/x?y=1' } as express.Request)).toBe(
      'https://cds.example.org/base/cds-services/x',
    );
  });
});
