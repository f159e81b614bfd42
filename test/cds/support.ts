import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadRules, type LoadedRules } from '../../src/adapters/rules-loader.js';
import { loadSettings } from '../../src/adapters/settings-loader.js';
import { createFhirAuditStore, type AuditStore } from '../../src/cds/feedback.js';
import type { HookMetrics } from '../../src/cds/hook.js';
import { expandTemplate } from '../../src/cds/prefetch.js';
import { PREFETCH_KEYS } from '../../src/cds/services.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { Settings } from '../../src/core/settings.js';
import { createEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.js';
import { createApp, type AppDeps } from '../../src/http/app.js';
import { createLogger } from '../../src/logging.js';
import { seedExamples, type DemoDonor } from '../../src/server.js';

export const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
export const AS_OF = '2026-03-02';

let rulesPromise: Promise<{ rules: LoadedRules; settings: Settings }> | undefined;

/** Rules and the demo settings (centre country GB), loaded once per test file. */
export function rulesAndSettings(): Promise<{ rules: LoadedRules; settings: Settings }> {
  rulesPromise ??= (async () => {
    const rules = await loadRules(join(ROOT, 'rules'));
    const settings = await loadSettings(join(ROOT, 'rules', 'settings.default.yaml'), undefined, {
      centreCountry: 'GB',
    });
    return { rules, settings };
  })();
  return rulesPromise;
}

export interface FhirRequestLog {
  count: number;
  lines: string[];
  reset(): void;
}

export interface RunningService {
  url: string;
  fhirUrl: string;
  config: Config;
  fhir?: EmbeddedFhirServer;
  donors: DemoDonor[];
  metrics: HookMetrics[];
  /** Requests the embedded FHIR server received. */
  fhirRequests: FhirRequestLog;
  /** Log lines the service wrote (JSON), when `captureLogs` was set. */
  logs: string[];
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Serve and seed the embedded FHIR server at /fhir (default true). */
  embedded?: boolean;
  /** Seed only the demo workups whose file names start with these prefixes (default: all). */
  examples?: string[];
  captureLogs?: boolean;
  auditStore?: AuditStore;
  deps?: Partial<AppDeps>;
}

/** Starts the whole app on 127.0.0.1 (any free port), with the embedded FHIR server seeded with the demo workups. */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const { rules, settings } = await rulesAndSettings();
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_BASE_URL: url,
    HOOK_DEADLINE_MS: '5000',
    FHIR_CALL_TIMEOUT_MS: '4000',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logs: string[] = [];
  const logger = options.captureLogs
    ? createLogger(
        'debug',
        new Writable({
          write(chunk: Buffer, _enc, done) {
            logs.push(chunk.toString('utf8'));
            done();
          },
        }),
      )
    : createLogger('silent');
  const fhirRequests: FhirRequestLog = {
    count: 0,
    lines: [],
    reset() {
      this.count = 0;
      this.lines = [];
    },
  };
  let fhir: EmbeddedFhirServer | undefined;
  let donors: DemoDonor[] = [];
  let embeddedFhir: AppDeps['embeddedFhir'];
  if (options.embedded ?? true) {
    fhir = createEmbeddedFhirServer({ baseUrl: `${url}/fhir` });
    const prefixes = options.examples;
    donors = (
      await seedExamples(
        fhir,
        join(ROOT, 'profiles', 'examples'),
        (f) => prefixes === undefined || prefixes.some((p) => f.startsWith(p)),
      )
    ).donors;
    const counting = express.Router();
    counting.use((req, _res, next) => {
      fhirRequests.count++;
      fhirRequests.lines.push(`${req.method} ${decodeURIComponent(req.url)}`);
      next();
    });
    counting.use(fhir.router);
    embeddedFhir = { router: counting };
  }
  const metrics: HookMetrics[] = [];
  const app = createApp({
    config,
    ruleset: rules.ruleset,
    roleCodes: rules.roleCodes,
    settings,
    logger,
    auditStore: options.auditStore ?? createFhirAuditStore({ baseUrl: `${url}/fhir`, timeoutMs: 4000 }),
    asOf: () => AS_OF,
    now: () => new Date('2026-03-02T09:00:00Z'),
    ...(embeddedFhir ? { embeddedFhir } : {}),
    onHook: (m) => metrics.push(m),
    ...options.deps,
  });
  server.on('request', app);
  return {
    url,
    fhirUrl: `${url}/fhir`,
    config,
    ...(fhir ? { fhir } : {}),
    donors,
    metrics,
    fhirRequests,
    logs,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((err) => (err ? fail(err) : done()));
        server.closeAllConnections();
      }),
  };
}

export function donorId(service: RunningService, filePrefix: string): string {
  const donor = service.donors.find((d) => d.file.startsWith(filePrefix));
  if (!donor) throw new Error(`no demo donor ${filePrefix}`);
  return donor.patientId;
}

/** Full prefetch, as an EHR would build it: every template run against the FHIR server. */
export async function buildPrefetch(
  fhirUrl: string,
  patientId: string,
  keys = PREFETCH_KEYS.map((k) => k.key),
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of PREFETCH_KEYS) {
    if (!keys.includes(key.key)) continue;
    const path = expandTemplate(key.template, { patientId });
    const res = await fetch(`${fhirUrl}/${path ?? ''}`, { headers: { accept: 'application/fhir+json' } });
    out[key.key] = await res.json();
  }
  return out;
}

let instance = 0;
export function hookInstance(): string {
  instance++;
  return `0b6c5d1e-0000-4000-8000-${String(instance).padStart(12, '0')}`;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

export function patientView(patientId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: hookInstance(),
    context: { userId: 'Practitioner/test-surgeon', patientId },
    ...extra,
  };
}
