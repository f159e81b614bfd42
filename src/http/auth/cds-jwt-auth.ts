import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { Logger } from 'pino';
import { operationOutcome } from '../errors/operation-outcome.js';
import { sendOperationOutcome } from '../errors/error-handler.js';
import { JtiReplayCache } from './replay-cache.js';

/**
 * Authentication of CDS clients (EHRs) calling this service: CDS Hooks 2.0 §Trusting CDS Clients.
 *
 * The client sends `Authorization: Bearer <JWT>` with header `alg` (we accept ES384 and RS384 only,
 * the two the spec recommends; `none` and HMAC are forbidden by the spec), `kid`, `typ: JWT`, optional
 * `jku`; claims `iss`, `aud` (the URL of the endpoint being called), `exp`, `iat`, `jti`, optional
 * `tenant`. Extra claims (Epic's `sub`, `nbf`) are accepted, not required.
 *
 * Checks follow cds-hooks/docs best-practices order: issuer allow-listed, audience, expiry, tenant,
 * signature (key by `kid` from the issuer's JWKS), then `jti` not seen before.
 * Any failure → 401 + `WWW-Authenticate: Bearer` + a generic OperationOutcome; the reason is logged as
 * a code (`jwt.bad-audience`, …), the token never is.
 */

export const ACCEPTED_ALGORITHMS = ['ES384', 'RS384'] as const;

export interface TrustedIssuer {
  /** Exact `iss` value the client puts in its tokens. */
  iss: string;
  /** Where its JWK Set is published (fetched and cached; re-fetched on an unknown `kid`, with jose's cooldown). */
  jwksUrl?: string;
  /** Its public keys, given inline (exchanged out-of-band). */
  jwks?: JSONWebKeySet;
  /** `jku` header values accepted from this issuer (exact match). A `jku` not listed is rejected. */
  allowedJku?: string[];
  /** When set, the token's `tenant` claim must be one of these. */
  allowedTenants?: string[];
}

export interface CdsJwtAuthConfig {
  /** False: every request passes (demo mode). The caller must log that loudly at startup. */
  enabled: boolean;
  trustedIssuers: readonly TrustedIssuer[];
  /** The full public URL of the endpoint called, as the EHR addresses it (see `audienceFromPublicBase`). */
  audienceFor(req: Request): string;
  /** Leeway for `exp`, `iat`, `nbf`. Default 60 s. */
  clockSkewSeconds?: number;
  /** Longest accepted `exp - iat`, and how long a `jti` is remembered at most. Default 3600 s (spec: "no more than an hour"). */
  maxTokenLifetimeSeconds?: number;
  /** Timeout for fetching a remote JWK Set. Default 1000 ms (a hook call has a short deadline). */
  jwksTimeoutMs?: number;
  logger?: Logger;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Who called, after a successful check; on `res.locals.cdsClient`. Ids only, safe to log. */
export interface CdsClientIdentity {
  iss: string;
  kid: string;
  jti: string;
  /** Seconds since the epoch. */
  exp: number;
  sub?: string;
  tenant?: string;
}

/** Reads the identity `createCdsJwtAuth` stored on a successful check; undefined in demo mode. */
export function getCdsClient(res: Response): CdsClientIdentity | undefined {
  const value: unknown = res.locals.cdsClient;
  return typeof value === 'object' && value !== null ? (value as CdsClientIdentity) : undefined;
}

/**
 * Audience function for a service whose public base URL (e.g. `https://cds.example.org/donorguard`)
 * is configured: base + the path the request arrived on (no query). Use it rather than the request's
 * Host header, which a proxy may rewrite.
 */
export function audienceFromPublicBase(publicBaseUrl: string): (req: Request) => string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return (req) => base + (req.originalUrl.split('?')[0] ?? '');
}

class AuthFailure extends Error {
  constructor(
    readonly reason: string,
    readonly detail: { iss?: string; kid?: string; jti?: string } = {},
  ) {
    super(reason);
  }
}

const TOKEN_PATTERN = /^Bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ \t]*$/i;
const MAX_TOKEN_LENGTH = 16 * 1024;

interface IssuerEntry {
  config: TrustedIssuer;
  allowedJku: ReadonlySet<string>;
  localKeys?: JWTVerifyGetKey;
}

/**
 * Express middleware that authenticates CDS clients by their JWT. OPTIONS requests (CORS preflights,
 * which never carry credentials) pass through; mount the CORS handler before this one.
 *
 * Create it once and mount the same instance on discovery, service and feedback routes: the `jti`
 * replay cache and the JWKS caches live in the instance.
 */
export function createCdsJwtAuth(config: CdsJwtAuthConfig): RequestHandler {
  if (!config.enabled) {
    return (_req, _res, next) => {
      next();
    };
  }

  const skew = config.clockSkewSeconds ?? 60;
  const maxLifetime = config.maxTokenLifetimeSeconds ?? 3600;
  const jwksTimeoutMs = config.jwksTimeoutMs ?? 1000;
  const now = config.now ?? Date.now;
  const logger = config.logger;
  const issuers = indexIssuers(config.trustedIssuers);
  const remoteKeySets = new Map<string, JWTVerifyGetKey>();
  const replayCache = new JtiReplayCache(now);

  const remoteKeys = (url: string): JWTVerifyGetKey => {
    let keys = remoteKeySets.get(url);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(url), { timeoutDuration: jwksTimeoutMs });
      remoteKeySets.set(url, keys);
    }
    return keys;
  };

  const authenticate = async (req: Request): Promise<CdsClientIdentity> => {
    const header = req.get('authorization');
    if (header === undefined || header.trim() === '') {
      throw new AuthFailure('jwt.missing');
    }
    const token = TOKEN_PATTERN.exec(header)?.[1];
    if (token === undefined || token.length > MAX_TOKEN_LENGTH) {
      throw new AuthFailure('jwt.malformed');
    }

    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      protectedHeader = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw new AuthFailure('jwt.malformed');
    }
    const { alg, kid, typ, jku } = protectedHeader;
    if (typeof alg !== 'string' || !(ACCEPTED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new AuthFailure('jwt.bad-alg');
    }
    if (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT') {
      throw new AuthFailure('jwt.bad-typ');
    }
    if (typeof kid !== 'string' || kid === '') {
      throw new AuthFailure('jwt.missing-kid');
    }

    // (1) issuer on the allow-list
    const issuer = typeof claims.iss === 'string' ? issuers.get(claims.iss) : undefined;
    if (!issuer) {
      throw new AuthFailure('jwt.untrusted-issuer', { kid });
    }
    const iss = issuer.config.iss;
    const jti = typeof claims.jti === 'string' && claims.jti !== '' ? claims.jti : undefined;
    const detail = { iss, kid, ...(jti ? { jti } : {}) };

    // (2) audience = this endpoint; (3) times; cheap checks before any key is fetched
    const audience = config.audienceFor(req);
    const audiences = audience.endsWith('/') ? [audience, audience.replace(/\/+$/, '')] : [audience, `${audience}/`];
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    if (!aud.some((a) => audiences.includes(a))) {
      throw new AuthFailure('jwt.bad-audience', detail);
    }
    const nowSeconds = Math.floor(now() / 1000);
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      throw new AuthFailure('jwt.missing-exp', detail);
    }
    if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) {
      throw new AuthFailure('jwt.missing-iat', detail);
    }
    if (!jti) {
      throw new AuthFailure('jwt.missing-jti', detail);
    }
    if (claims.exp <= nowSeconds - skew) {
      throw new AuthFailure('jwt.expired', detail);
    }
    if (claims.iat > nowSeconds + skew) {
      throw new AuthFailure('jwt.iat-in-future', detail);
    }
    if (claims.exp - claims.iat > maxLifetime) {
      throw new AuthFailure('jwt.lifetime-too-long', detail);
    }

    // (4) tenant
    const tenant = typeof claims.tenant === 'string' ? claims.tenant : undefined;
    if (issuer.config.allowedTenants && (tenant === undefined || !issuer.config.allowedTenants.includes(tenant))) {
      throw new AuthFailure('jwt.bad-tenant', detail);
    }

    // (5) signature, key chosen by kid from the issuer's key set
    let keys: JWTVerifyGetKey;
    if (jku !== undefined) {
      if (typeof jku !== 'string' || !issuer.allowedJku.has(jku)) {
        throw new AuthFailure('jwt.jku-not-allowed', detail);
      }
      keys = remoteKeys(jku);
    } else if (issuer.localKeys) {
      keys = issuer.localKeys;
    } else if (issuer.config.jwksUrl !== undefined) {
      keys = remoteKeys(issuer.config.jwksUrl);
    } else if (issuer.allowedJku.size === 1) {
      keys = remoteKeys([...issuer.allowedJku][0] as string);
    } else {
      throw new AuthFailure('jwt.no-key-source', detail);
    }

    let verified: JWTPayload;
    try {
      ({ payload: verified } = await jwtVerify(token, keys, {
        algorithms: [...ACCEPTED_ALGORITHMS],
        issuer: iss,
        audience: audiences,
        clockTolerance: skew,
        maxTokenAge: maxLifetime,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
        typ: 'JWT',
        currentDate: new Date(now()),
      }));
    } catch (err) {
      throw new AuthFailure(reasonForJoseError(err), detail);
    }

    // (6) jti not seen before; remembered until the token expires
    const exp = verified.exp as number;
    if (!replayCache.checkAndRemember(`${iss}\u0000${jti}`, (exp + skew) * 1000)) {
      throw new AuthFailure('jwt.replayed', detail);
    }

    return {
      iss,
      kid,
      jti,
      exp,
      ...(typeof verified.sub === 'string' ? { sub: verified.sub } : {}),
      ...(tenant !== undefined ? { tenant } : {}),
    };
  };

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    let identity: CdsClientIdentity;
    try {
      identity = await authenticate(req);
    } catch (err) {
      const failure = err instanceof AuthFailure ? err : new AuthFailure('jwt.internal-error');
      if (!(err instanceof AuthFailure)) {
        logger?.error(
          { err: { name: (err as Error).name, message: (err as Error).message } },
          'CDS client authentication crashed',
        );
      }
      logger?.warn(
        { reason: failure.reason, ...failure.detail, method: req.method, path: req.path },
        'CDS client authentication failed',
      );
      sendOperationOutcome(res, 401, operationOutcome('error', 'login', 'Authentication required'), {
        'WWW-Authenticate': 'Bearer',
      });
      return;
    }
    res.locals.cdsClient = identity;
    logger?.debug({ iss: identity.iss, jti: identity.jti, tenant: identity.tenant }, 'CDS client authenticated');
    next();
  };
}

function indexIssuers(list: readonly TrustedIssuer[]): Map<string, IssuerEntry> {
  if (list.length === 0) {
    throw new Error('createCdsJwtAuth: authentication is enabled but no trusted issuers are configured');
  }
  const out = new Map<string, IssuerEntry>();
  for (const config of list) {
    if (config.iss === '' || out.has(config.iss)) {
      throw new Error(`createCdsJwtAuth: trusted issuer ${JSON.stringify(config.iss)} is empty or listed twice`);
    }
    for (const url of [config.jwksUrl, ...(config.allowedJku ?? [])]) {
      if (url !== undefined && !URL.canParse(url)) {
        throw new Error(
          `createCdsJwtAuth: ${JSON.stringify(url)} for issuer ${JSON.stringify(config.iss)} is not a URL`,
        );
      }
    }
    if (!config.jwksUrl && !config.jwks && !config.allowedJku?.length) {
      throw new Error(`createCdsJwtAuth: issuer ${JSON.stringify(config.iss)} has no jwksUrl, jwks or allowedJku`);
    }
    const allowedJku = new Set(config.allowedJku ?? []);
    if (config.jwksUrl !== undefined) {
      allowedJku.add(config.jwksUrl);
    }
    out.set(config.iss, {
      config,
      allowedJku,
      ...(config.jwks ? { localKeys: createLocalJWKSet(config.jwks) } : {}),
    });
  }
  return out;
}

function reasonForJoseError(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'jwt.expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (err as { claim?: unknown }).claim;
      return typeof claim === 'string' ? `jwt.bad-${claim}` : 'jwt.bad-claim';
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'jwt.bad-signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'jwt.unknown-kid';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'jwt.ambiguous-kid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'jwt.bad-alg';
    case 'ERR_JWKS_TIMEOUT':
      return 'jwt.jwks-timeout';
    case 'ERR_JWKS_INVALID':
      return 'jwt.jwks-invalid';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'jwt.malformed';
    default:
      return 'jwt.jwks-unavailable';
  }
}
