import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import type { TrustedIssuer } from '../../src/http/auth/index.js';

const ISSUERS = JSON.stringify([
  { iss: 'https://ehr.example.org', jwksUrl: 'https://ehr.example.org/.well-known/jwks.json' },
  {
    iss: 'https://sandbox.cds-hooks.org',
    allowedJku: ['https://sandbox.cds-hooks.org/.well-known/jwks.json'],
    allowedTenants: ['t1'],
  },
]);

/** The problems loadConfig reports for env, or [] when it succeeds. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
}

describe('loadConfig defaults', () => {
  it('runs the embedded demo with no variables set', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      publicBaseUrl: 'http://localhost:3000',
      fhir: { embedded: true, baseUrl: 'http://localhost:3000/fhir' },
      centreCountry: undefined,
      settingsFile: undefined,
      auth: { mode: 'off', modeDefaulted: true, trustedIssuers: [] },
      hookDeadlineMs: 1500,
      fhirCallTimeoutMs: 800,
      bodyLimit: '1mb',
      bodyLimitBytes: 1048576,
      logLevel: 'info',
    });
  });

  it('derives PUBLIC_BASE_URL from PORT and the embedded FHIR base from PUBLIC_BASE_URL', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    const c = loadConfig({ PUBLIC_BASE_URL: 'https://cds.example.org/donorguard/' });
    expect(c.publicBaseUrl).toBe('https://cds.example.org/donorguard');
    expect(c.fhir).toEqual({ embedded: true, baseUrl: 'https://cds.example.org/donorguard/fhir' });
  });

  it('defaults AUTH_MODE to jwt when FHIR_BASE_URL is set', () => {
    const c = loadConfig({ FHIR_BASE_URL: 'https://ehr.example.org/fhir/r4/', TRUSTED_ISSUERS: ISSUERS });
    expect(c.fhir).toEqual({ embedded: false, baseUrl: 'https://ehr.example.org/fhir/r4' });
    expect(c.auth.mode).toBe('jwt');
    expect(c.auth.modeDefaulted).toBe(true);
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '  ', FHIR_BASE_URL: '' }).port).toBe(3000);
  });
});

describe('loadConfig overrides', () => {
  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '8443',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: 'https://cds.example.org',
      FHIR_BASE_URL: 'https://ehr.example.org/fhir',
      CENTRE_COUNTRY: 'gb',
      SETTINGS_FILE: './settings.yaml',
      AUTH_MODE: 'JWT',
      TRUSTED_ISSUERS: ISSUERS,
      HOOK_DEADLINE_MS: '2000',
      FHIR_CALL_TIMEOUT_MS: '600',
      BODY_LIMIT: '500 KB',
      LOG_LEVEL: 'Debug',
    });
    expect(c).toMatchObject({
      port: 8443,
      host: '127.0.0.1',
      publicBaseUrl: 'https://cds.example.org',
      fhir: { embedded: false, baseUrl: 'https://ehr.example.org/fhir' },
      centreCountry: 'GB',
      settingsFile: './settings.yaml',
      auth: { mode: 'jwt', modeDefaulted: false },
      hookDeadlineMs: 2000,
      fhirCallTimeoutMs: 600,
      bodyLimit: '500kb',
      bodyLimitBytes: 512000,
      logLevel: 'debug',
    });
    expect(c.auth.trustedIssuers).toEqual(JSON.parse(ISSUERS));
    // The config shape is what the JWT middleware takes.
    const issuers: TrustedIssuer[] = c.auth.trustedIssuers;
    expect(issuers).toHaveLength(2);
  });

  it('allows AUTH_MODE=off with an external FHIR server and AUTH_MODE=jwt in embedded mode', () => {
    expect(loadConfig({ FHIR_BASE_URL: 'https://ehr.example.org/fhir', AUTH_MODE: 'off' }).auth.mode).toBe('off');
    expect(loadConfig({ AUTH_MODE: 'jwt', TRUSTED_ISSUERS: ISSUERS }).auth.mode).toBe('jwt');
  });

  it('accepts inline public JWKs and http JWKS URLs on localhost', () => {
    const c = loadConfig({
      AUTH_MODE: 'jwt',
      TRUSTED_ISSUERS: JSON.stringify([
        { iss: 'a', jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'k1' }] } },
        { iss: 'b', jwksUrl: 'http://localhost:9000/jwks.json' },
      ]),
    });
    expect(c.auth.trustedIssuers[0]?.jwks?.keys[0]?.kid).toBe('k1');
  });
});

describe('loadConfig error messages (one line per wrong variable)', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT: expected an integer 1..65535, got "abc"'],
    [{ PORT: '0' }, 'PORT: expected an integer 1..65535, got "0"'],
    [{ PORT: '65536' }, 'PORT: expected an integer 1..65535, got "65536"'],
    [{ PORT: '80.5' }, 'PORT: expected an integer 1..65535, got "80.5"'],
    [{ HOST: 'my host' }, 'HOST: expected a host name or IP address such as 0.0.0.0 or 127.0.0.1, got "my host"'],
    [
      { PUBLIC_BASE_URL: 'cds.example.org' },
      'PUBLIC_BASE_URL: expected an absolute http(s) URL without query or fragment, got "cds.example.org"',
    ],
    [
      { PUBLIC_BASE_URL: 'ftp://cds.example.org' },
      'PUBLIC_BASE_URL: expected an absolute http(s) URL without query or fragment, got "ftp://cds.example.org"',
    ],
    [
      { PUBLIC_BASE_URL: 'https://u:p@cds.example.org' },
      'PUBLIC_BASE_URL: expected a URL without user name or password, got "https://u:p@cds.example.org"',
    ],
    [
      { FHIR_BASE_URL: 'https://ehr.example.org/fhir?x=1', AUTH_MODE: 'off' },
      'FHIR_BASE_URL: expected an absolute http(s) URL without query or fragment, got "https://ehr.example.org/fhir?x=1"',
    ],
    [{ CENTRE_COUNTRY: 'GBR' }, 'CENTRE_COUNTRY: expected an ISO 3166-1 alpha-2 country code such as GB, got "GBR"'],
    [{ AUTH_MODE: 'basic' }, 'AUTH_MODE: expected "jwt" or "off", got "basic"'],
    [{ HOOK_DEADLINE_MS: '50' }, 'HOOK_DEADLINE_MS: expected an integer 100..60000, got "50"'],
    [{ FHIR_CALL_TIMEOUT_MS: 'fast' }, 'FHIR_CALL_TIMEOUT_MS: expected an integer 50..60000, got "fast"'],
    [{ FHIR_CALL_TIMEOUT_MS: '2000' }, 'FHIR_CALL_TIMEOUT_MS: must not exceed HOOK_DEADLINE_MS (1500), got "2000"'],
    [{ BODY_LIMIT: '10tb' }, 'BODY_LIMIT: expected a size such as 1mb, 500kb or 1048576 (at most 50mb), got "10tb"'],
    [{ BODY_LIMIT: '100mb' }, 'BODY_LIMIT: expected a size such as 1mb, 500kb or 1048576 (at most 50mb), got "100mb"'],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
  ])('%j', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it('requires TRUSTED_ISSUERS when AUTH_MODE is jwt, saying why', () => {
    expect(problems({ FHIR_BASE_URL: 'https://ehr.example.org/fhir' })).toEqual([
      'TRUSTED_ISSUERS: required because AUTH_MODE defaults to jwt when FHIR_BASE_URL is set; give a JSON array of {iss, jwksUrl?, allowedJku?} (or set AUTH_MODE=off for a demo)',
    ]);
    expect(problems({ AUTH_MODE: 'jwt' })).toEqual([
      'TRUSTED_ISSUERS: required because AUTH_MODE=jwt; give a JSON array of {iss, jwksUrl?, allowedJku?} (or set AUTH_MODE=off for a demo)',
    ]);
    expect(problems({ AUTH_MODE: 'jwt', TRUSTED_ISSUERS: '[]' })).toEqual([
      'TRUSTED_ISSUERS: expected at least one issuer when AUTH_MODE=jwt, got "[]"',
    ]);
  });

  it('explains TRUSTED_ISSUERS problems down to the offending member', () => {
    expect(problems({ AUTH_MODE: 'jwt', TRUSTED_ISSUERS: '[{"iss": "a",' })).toEqual([
      'TRUSTED_ISSUERS: expected a JSON array of {iss, jwksUrl?, allowedJku?} (not valid JSON), got "[{\\"iss\\": \\"a\\","',
    ]);
    expect(problems({ AUTH_MODE: 'jwt', TRUSTED_ISSUERS: '{"iss":"a"}' })).toEqual([
      'TRUSTED_ISSUERS: expected a JSON array of {iss, jwksUrl?, allowedJku?}, got "{\\"iss\\":\\"a\\"}"',
    ]);
    expect(
      problems({
        AUTH_MODE: 'jwt',
        TRUSTED_ISSUERS: JSON.stringify([
          { iss: 'a', jwksUrl: 'https://a.example.org/jwks', jwks_url: 'x' },
          { iss: 'b', jwksUrl: 'http://b.example.org/jwks' },
          { iss: 'c' },
          7,
          { iss: 'e', jwks: { keys: [{ kty: 'EC', d: 'secret' }] } },
          { iss: 'f', jwks: { keys: [{ kty: 'oct', k: 'secret' }] } },
          { jwksUrl: 'https://g.example.org/jwks' },
        ]),
      }),
    ).toEqual([
      'TRUSTED_ISSUERS[0]: unknown key "jwks_url" (allowed: iss, jwksUrl, jwks, allowedJku, allowedTenants)',
      'TRUSTED_ISSUERS[1].jwksUrl: expected an https URL (http only for localhost), got "http://b.example.org/jwks"',
      'TRUSTED_ISSUERS[2]: give jwksUrl, jwks or allowedJku: the keys its tokens are checked against',
      'TRUSTED_ISSUERS[3]: expected an object {iss, jwksUrl?, jwks?, allowedJku?, allowedTenants?}, got 7',
      'TRUSTED_ISSUERS[4].jwks.keys[0]: contains a private key ("d"); give public keys only',
      'TRUSTED_ISSUERS[5].jwks.keys[0]: symmetric keys (kty "oct") are not accepted; give public keys only',
      'TRUSTED_ISSUERS[6].iss: required: the issuer (iss) the EHR puts in its JWTs',
    ]);
    expect(
      problems({
        AUTH_MODE: 'jwt',
        TRUSTED_ISSUERS: JSON.stringify([
          { iss: 'a', jwksUrl: 'https://a.example.org/jwks' },
          { iss: 'a', allowedJku: ['https://a.example.org/jwks2'] },
        ]),
      }),
    ).toEqual(['TRUSTED_ISSUERS: issuer "a" is listed twice']);
  });

  it('reports every wrong variable at once, in a readable message', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', CENTRE_COUNTRY: '1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      [
        'Invalid configuration (3 problems):',
        '  PORT: expected an integer 1..65535, got "abc"',
        '  CENTRE_COUNTRY: expected an ISO 3166-1 alpha-2 country code such as GB, got "1"',
        '  LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ].join('\n'),
    );
  });

  it('shortens long values in messages', () => {
    const [line] = problems({ PUBLIC_BASE_URL: `x${'a'.repeat(200)}` });
    expect(line).toMatch(/got "xa{79}…"$/);
  });
});
