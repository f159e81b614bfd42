import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';

/**
 * Service configuration from environment variables. One place reads `process.env` (the caller passes it
 * in); everything else receives a typed, validated `Config`.
 *
 * Every wrong variable yields one line naming the variable, what was expected and what was given, e.g.
 * `PORT: expected an integer 1..65535, got "abc"`; all lines are reported together in a `ConfigError`.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const AUTH_MODES = ['jwt', 'off'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** A CDS client (EHR) whose JWTs we accept; the same shape `createCdsJwtAuth` takes. */
export interface TrustedIssuerConfig {
  iss: string;
  jwksUrl?: string;
  jwks?: JSONWebKeySet;
  allowedJku?: string[];
  allowedTenants?: string[];
}

export interface Config {
  port: number;
  host: string;
  /** Public base URL of this service as the EHR sees it, without a trailing slash. JWT `aud` is checked against it. */
  publicBaseUrl: string;
  fhir: {
    /** True when FHIR_BASE_URL is absent: the embedded demo FHIR server serves `${publicBaseUrl}/fhir`. */
    embedded: boolean;
    /** Without a trailing slash. */
    baseUrl: string;
  };
  /** ISO 3166-1 alpha-2, upper case; overrides the settings file when set. */
  centreCountry: string | undefined;
  settingsFile: string | undefined;
  auth: {
    mode: AuthMode;
    /** True when AUTH_MODE was not set and the mode was derived (jwt with an external FHIR server, off in embedded demo mode). */
    modeDefaulted: boolean;
    trustedIssuers: TrustedIssuerConfig[];
  };
  /** Overall budget for one hook call, FHIR calls included. */
  hookDeadlineMs: number;
  /** Budget for one FHIR call; never more than `hookDeadlineMs`. */
  fhirCallTimeoutMs: number;
  /** Express body-parser limit as given (e.g. `1mb`). */
  bodyLimit: string;
  bodyLimitBytes: number;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`Invalid configuration (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const DEFAULTS = {
  PORT: 3000,
  HOST: '0.0.0.0',
  HOOK_DEADLINE_MS: 1500,
  FHIR_CALL_TIMEOUT_MS: 800,
  BODY_LIMIT: '1mb',
  LOG_LEVEL: 'info',
} as const;

const MAX_BODY_LIMIT_BYTES = 50 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Field schemas. Each takes the raw (trimmed, non-empty) string; error messages say what was expected,
// and `formatIssue` appends what was given.

function integer(min: number, max: number) {
  const expected = `expected an integer ${min}..${max}`;
  return z
    .string()
    .regex(/^[0-9]+$/, expected)
    .transform(Number)
    .pipe(z.number().int(expected).min(min, expected).max(max, expected));
}

const HTTP_URL = 'expected an absolute http(s) URL without query or fragment';

/** Absolute http(s) URL without query/fragment; trailing slashes removed. */
const baseUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: HTTP_URL });
    return z.NEVER;
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search !== '' ||
    url.hash !== '' ||
    value.includes('?') ||
    value.includes('#')
  ) {
    ctx.addIssue({ code: 'custom', message: HTTP_URL });
    return z.NEVER;
  }
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'expected a URL without user name or password' });
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, '');
});

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const KEY_URL = 'expected an https URL (http only for localhost)';

/** A URL keys are fetched from: https, or http on a loopback host for local development. */
const keySetUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return false;
  }
}, KEY_URL);

const publicJwk = z
  .looseObject({ kty: z.string({ error: 'expected a JWK with a "kty"' }) })
  .refine((k) => k.kty !== 'oct', { message: 'symmetric keys (kty "oct") are not accepted; give public keys only' })
  .refine((k) => !('d' in k), { message: 'contains a private key ("d"); give public keys only' });

const trustedIssuer = z
  .strictObject(
    {
      iss: z
        .string({ error: 'required: the issuer (iss) the EHR puts in its JWTs' })
        .min(1, 'expected a non-empty string'),
      jwksUrl: keySetUrl.optional(),
      jwks: z
        .strictObject(
          { keys: z.array(publicJwk).min(1, 'expected at least one key') },
          { error: 'expected a JWK Set {"keys": [...]}' },
        )
        .optional(),
      allowedJku: z.array(keySetUrl, { error: 'expected an array of URLs' }).optional(),
      allowedTenants: z.array(z.string().min(1), { error: 'expected an array of tenant ids' }).optional(),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key ${iss.keys.map((k) => `"${k}"`).join(', ')} (allowed: iss, jwksUrl, jwks, allowedJku, allowedTenants)`
          : 'expected an object {iss, jwksUrl?, jwks?, allowedJku?, allowedTenants?}',
    },
  )
  .refine((t) => t.jwksUrl !== undefined || t.jwks !== undefined || (t.allowedJku?.length ?? 0) > 0, {
    message: 'give jwksUrl, jwks or allowedJku: the keys its tokens are checked against',
  });

const TRUSTED_ISSUERS_SHAPE = 'expected a JSON array of {iss, jwksUrl?, allowedJku?}';

const trustedIssuers = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `${TRUSTED_ISSUERS_SHAPE} (not valid JSON)` });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(trustedIssuer, { error: TRUSTED_ISSUERS_SHAPE }).superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const t of list) {
        if (seen.has(t.iss)) {
          ctx.addIssue({ code: 'custom', message: `issuer "${t.iss}" is listed twice`, params: { omitInput: true } });
        }
        seen.add(t.iss);
      }
    }),
  );

const BODY_LIMIT_EXPECTED = 'expected a size such as 1mb, 500kb or 1048576 (at most 50mb)';
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

const bodyLimit = z.string().transform((value, ctx) => {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*(b|kb|mb|gb)?$/i.exec(value);
  const bytes = match ? Math.floor(Number(match[1]) * (UNIT_BYTES[(match[2] ?? 'b').toLowerCase()] ?? 1)) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1 || bytes > MAX_BODY_LIMIT_BYTES) {
    ctx.addIssue({ code: 'custom', message: BODY_LIMIT_EXPECTED });
    return z.NEVER;
  }
  return { text: value.replace(/\s+/g, '').toLowerCase(), bytes };
});

const envSchema = z.object({
  PORT: integer(1, 65535).optional(),
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.\-:[\]]+$/, 'expected a host name or IP address such as 0.0.0.0 or 127.0.0.1')
    .optional(),
  PUBLIC_BASE_URL: baseUrl.optional(),
  FHIR_BASE_URL: baseUrl.optional(),
  CENTRE_COUNTRY: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code such as GB'))
    .optional(),
  SETTINGS_FILE: z.string().optional(),
  AUTH_MODE: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(AUTH_MODES, 'expected "jwt" or "off"'))
    .optional(),
  TRUSTED_ISSUERS: trustedIssuers.optional(),
  HOOK_DEADLINE_MS: integer(100, 60000).optional(),
  FHIR_CALL_TIMEOUT_MS: integer(50, 60000).optional(),
  BODY_LIMIT: bodyLimit.optional(),
  LOG_LEVEL: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`))
    .optional(),
});

type EnvName = keyof typeof envSchema.shape;
type EnvValues = z.infer<typeof envSchema>;
const ENV_NAMES = Object.keys(envSchema.shape) as EnvName[];

// ---------------------------------------------------------------------------------------------------

/**
 * Reads and validates the configuration. Blank variables count as unset.
 * @throws ConfigError listing every problem, one line per problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const raw: Partial<Record<EnvName, string>> = {};
  for (const name of ENV_NAMES) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') {
      raw[name] = value;
    }
  }

  // Each variable on its own, so valid ones keep their values for the cross-variable rules below.
  const problems: string[] = [];
  const v: Partial<EnvValues> = {};
  for (const name of ENV_NAMES) {
    const result = envSchema.shape[name].safeParse(raw[name], { reportInput: true });
    if (result.success) {
      (v as Record<string, unknown>)[name] = result.data;
    } else {
      for (const issue of result.error.issues) {
        problems.push(formatIssue({ ...issue, path: [name, ...issue.path] }, raw));
      }
    }
  }

  const port = v.PORT ?? DEFAULTS.PORT;
  const publicBaseUrl = v.PUBLIC_BASE_URL ?? `http://localhost:${port}`;
  const embedded = raw.FHIR_BASE_URL === undefined;
  const fhirBaseUrl = v.FHIR_BASE_URL ?? `${publicBaseUrl}/fhir`;
  const authMode: AuthMode = v.AUTH_MODE ?? (embedded ? 'off' : 'jwt');
  const trusted = v.TRUSTED_ISSUERS ?? [];
  const hookDeadlineMs = v.HOOK_DEADLINE_MS ?? DEFAULTS.HOOK_DEADLINE_MS;
  const fhirCallTimeoutMs = v.FHIR_CALL_TIMEOUT_MS ?? DEFAULTS.FHIR_CALL_TIMEOUT_MS;

  // Cross-variable rules, checked only when the variables involved are individually valid.
  const valid = (name: EnvName): boolean => !problems.some((p) => p.startsWith(`${name}:`) || p.startsWith(`${name}[`));
  if (authMode === 'jwt' && raw.TRUSTED_ISSUERS === undefined && valid('AUTH_MODE')) {
    const why = raw.AUTH_MODE === undefined ? 'AUTH_MODE defaults to jwt when FHIR_BASE_URL is set' : 'AUTH_MODE=jwt';
    problems.push(
      `TRUSTED_ISSUERS: required because ${why}; give a JSON array of {iss, jwksUrl?, allowedJku?} (or set AUTH_MODE=off for a demo)`,
    );
  } else if (
    authMode === 'jwt' &&
    raw.TRUSTED_ISSUERS !== undefined &&
    valid('TRUSTED_ISSUERS') &&
    trusted.length === 0
  ) {
    problems.push(
      `TRUSTED_ISSUERS: expected at least one issuer when AUTH_MODE=jwt, got ${quote(raw.TRUSTED_ISSUERS)}`,
    );
  }
  if (valid('HOOK_DEADLINE_MS') && valid('FHIR_CALL_TIMEOUT_MS') && fhirCallTimeoutMs > hookDeadlineMs) {
    problems.push(
      `FHIR_CALL_TIMEOUT_MS: must not exceed HOOK_DEADLINE_MS (${hookDeadlineMs}), got ${quote(String(fhirCallTimeoutMs))}`,
    );
  }

  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  return {
    port,
    host: v.HOST ?? DEFAULTS.HOST,
    publicBaseUrl,
    fhir: { embedded, baseUrl: fhirBaseUrl },
    centreCountry: v.CENTRE_COUNTRY,
    settingsFile: v.SETTINGS_FILE,
    auth: { mode: authMode, modeDefaulted: raw.AUTH_MODE === undefined, trustedIssuers: trusted.map(toTrustedIssuer) },
    hookDeadlineMs,
    fhirCallTimeoutMs,
    bodyLimit: v.BODY_LIMIT?.text ?? DEFAULTS.BODY_LIMIT,
    bodyLimitBytes: v.BODY_LIMIT?.bytes ?? 1024 * 1024,
    logLevel: v.LOG_LEVEL ?? DEFAULTS.LOG_LEVEL,
  };
}

function toTrustedIssuer(t: z.infer<typeof trustedIssuer>): TrustedIssuerConfig {
  const out: TrustedIssuerConfig = { iss: t.iss };
  if (t.jwksUrl !== undefined) out.jwksUrl = t.jwksUrl;
  if (t.jwks !== undefined) out.jwks = { keys: t.jwks.keys.map((k) => ({ ...k })) };
  if (t.allowedJku !== undefined) out.allowedJku = [...t.allowedJku];
  if (t.allowedTenants !== undefined) out.allowedTenants = [...t.allowedTenants];
  return out;
}

const MAX_SHOWN = 80;

function quote(value: string): string {
  const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return JSON.stringify(shown);
}

/** `['TRUSTED_ISSUERS', 0, 'jwksUrl']` → `TRUSTED_ISSUERS[0].jwksUrl`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function formatIssue(issue: z.core.$ZodIssue, raw: Partial<Record<EnvName, string>>): string {
  const where = formatPath(issue.path);
  const name = issue.path[0] as EnvName;
  // Top-level variables: show the raw text given. Inside TRUSTED_ISSUERS: show the offending JSON value.
  let got = '';
  const omitInput =
    issue.code === 'custom' && (issue.params as { omitInput?: boolean } | undefined)?.omitInput === true;
  if (omitInput) {
    // the message says it all
  } else if (issue.path.length === 1) {
    const given = raw[name];
    got = given === undefined ? '' : `, got ${quote(given)}`;
  } else if ('input' in issue && issue.code !== 'unrecognized_keys') {
    const input = issue.input;
    if (typeof input === 'string') {
      got = `, got ${quote(input)}`;
    } else if (typeof input === 'number' || typeof input === 'boolean' || input === null) {
      got = `, got ${String(input)}`;
    }
  }
  return `${where}: ${issue.message}${got}`;
}
