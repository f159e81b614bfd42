import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, BundleEntry } from 'fhir/r4.js';
import type { Logger } from 'pino';
import { loadRules } from './adapters/rules-loader.js';
import { loadSettings } from './adapters/settings-loader.js';
import { SourceError } from './adapters/yaml-source.js';
import { createFhirAuditStore } from './cds/feedback.js';
import { findService } from './cds/services.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { ResourceIndex } from './core/fhir/resource-index.js';
import { findDonors } from './core/gather/find-donors.js';
import { readResources } from './core/input/read-bundle.js';
import type { Settings } from './core/settings.js';
import { createEmbeddedFhirServer, type EmbeddedFhirServer } from './fhir-server/index.js';
import { createApp } from './http/app.js';
import { createLogger } from './logging.js';

/**
 * `npm start`: DonorGuard's CDS Hooks service. With no FHIR_BASE_URL it also serves an in-process FHIR
 * R4 server at `/fhir`, seeded with every `profiles/examples/*.json`, and prints what is needed to call it.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES = join(ROOT, 'profiles', 'examples');

export interface DemoDonor {
  file: string;
  patientId: string;
}

interface Seeded {
  donors: DemoDonor[];
  /** The latest Bundle.timestamp date among the examples: the demo workups' screen date. */
  asOf: string | undefined;
}

/** Seeds the embedded server with the example Bundles (every one, or those `only` accepts) and finds each donor's id on it. */
export async function seedExamples(
  fhir: EmbeddedFhirServer,
  folder = EXAMPLES,
  only: (file: string) => boolean = () => true,
): Promise<Seeded> {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.json') && only(f)).sort();
  const donors: DemoDonor[] = [];
  let asOf: string | undefined;
  for (const file of files) {
    const bundle = JSON.parse(await readFile(join(folder, file), 'utf8')) as Bundle;
    const response = await fhir.seed(bundle);
    const timestamp = typeof bundle.timestamp === 'string' ? bundle.timestamp.slice(0, 10) : undefined;
    if (timestamp && (!asOf || timestamp > asOf)) asOf = timestamp;
    const ids = seededIds(bundle, response);
    const index = new ResourceIndex(readResources(bundle, file).entries);
    for (const donor of findDonors(index)) {
      const id = donor.resource.id ?? (donor.fullUrl ? ids.get(donor.fullUrl) : undefined);
      if (id) donors.push({ file: file.replace(/\.json$/, ''), patientId: id });
    }
  }
  return { donors, asOf };
}

/** fullUrl → id given by the seed (one response entry per stored entry, in input order). */
function seededIds(bundle: Bundle, response: Bundle): Map<string, string> {
  const stored = (bundle.entry ?? []).filter((e: BundleEntry) => {
    const method = e.request?.method;
    return (
      e.resource !== undefined &&
      method !== 'GET' &&
      method !== 'HEAD' &&
      method !== 'DELETE' &&
      method !== 'PATCH' &&
      e.search?.mode !== 'outcome'
    );
  });
  const out = new Map<string, string>();
  stored.forEach((e, i) => {
    const location = response.entry?.[i]?.response?.location;
    const id = location?.split('/')[1];
    if (e.fullUrl && id) out.set(e.fullUrl, id);
  });
  return out;
}

function loopbackOf(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

export function demoCurl(config: Config, patientId: string, hookInstance = randomUUID()): string {
  const service = findService('donorguard-patient-view');
  const body = JSON.stringify({
    hook: 'patient-view',
    hookInstance,
    fhirServer: config.fhir.baseUrl,
    context: { userId: 'Practitioner/demo-surgeon', patientId },
  });
  return `curl -s -X POST ${config.publicBaseUrl}/cds-services/${service?.id ?? 'donorguard-patient-view'} -H 'Content-Type: application/json' -d '${body}'`;
}

/**
 * One hook call against the embedded server before announcing the service: the first call compiles the
 * FHIRPath expressions and warms the in-memory FHIR server, and would otherwise risk the FHIR timeouts.
 */
async function warmUp(serviceBase: string, fhirBase: string, patientId: string, logger: Logger): Promise<void> {
  const started = performance.now();
  try {
    const res = await fetch(`${serviceBase}/cds-services/donorguard-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        hook: 'patient-view',
        hookInstance: randomUUID(),
        fhirServer: fhirBase,
        context: { patientId },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    logger.debug({ status: res.status, ms: Math.round(performance.now() - started) }, 'warm-up hook call');
  } catch (err) {
    logger.warn({ err: { name: (err as Error).name } }, 'warm-up hook call failed');
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`donorguard: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let ruleset;
  let roleCodes;
  let settings: Settings;
  try {
    ({ ruleset, roleCodes } = await loadRules(join(ROOT, 'rules')));
    settings = await loadSettings(
      join(ROOT, 'rules', 'settings.default.yaml'),
      config.settingsFile,
      config.centreCountry !== undefined ? { centreCountry: config.centreCountry } : {},
    );
  } catch (err) {
    if (err instanceof SourceError) {
      process.stderr.write(`donorguard: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  let embedded: EmbeddedFhirServer | undefined;
  let seeded: Seeded | undefined;
  if (config.fhir.embedded) {
    embedded = createEmbeddedFhirServer({ baseUrl: config.fhir.baseUrl, logger });
    seeded = await seedExamples(embedded);
    // The demo workups assume a GB centre (profiles/examples/README.md) unless told otherwise.
    if (settings.centreCountry === null) settings = { ...settings, centreCountry: 'GB' };
  }

  let internalFhirUrl = config.fhir.baseUrl;
  const auditStore = createFhirAuditStore({ baseUrl: () => internalFhirUrl, timeoutMs: config.fhirCallTimeoutMs });
  const demoAsOf = seeded?.asOf;
  const ownFhir = new Set([config.fhir.baseUrl]);
  const app = createApp({
    config,
    ruleset,
    roleCodes,
    settings,
    logger,
    auditStore,
    ...(embedded ? { embeddedFhir: embedded } : {}),
    ...(demoAsOf ? { asOf: () => demoAsOf } : {}),
    // Without client authentication, nobody may point the service at an arbitrary server.
    ...(config.auth.mode === 'off' ? { fhirServerAllowed: (url: string) => ownFhir.has(url.replace(/\/+$/, '')) } : {}),
  });

  const server = await new Promise<Server>((resolveListen, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolveListen(s)));
  });
  const { port } = server.address() as AddressInfo;
  if (embedded) {
    internalFhirUrl = `http://${loopbackOf(config.host)}:${port}/fhir`;
    ownFhir.add(internalFhirUrl);
    ownFhir.add(`http://localhost:${port}/fhir`);
  }

  if (embedded && seeded?.donors[0])
    await warmUp(`http://${loopbackOf(config.host)}:${port}`, internalFhirUrl, seeded.donors[0].patientId, logger);

  const lines: string[] = [
    '',
    `DonorGuard CDS Hooks service listening on ${config.host}:${port}`,
    `  discovery:   ${config.publicBaseUrl}/cds-services`,
  ];
  lines.push(
    `  FHIR server: ${config.fhir.baseUrl}${embedded ? ' (embedded, in memory, seeded with profiles/examples)' : ''}`,
  );
  lines.push(
    `  rules:       ${ruleset.rules.length} (ruleset ${ruleset.version}); centre country ${settings.centreCountry ?? 'not set'}`,
  );
  if (seeded) {
    lines.push(
      `  screen date: ${seeded.asOf ?? 'today'} (the demo workups' date; with FHIR_BASE_URL set the service screens as of today)`,
      '',
      '  demo donors (file: Patient id):',
    );
    for (const d of seeded.donors) lines.push(`    ${d.file}: ${d.patientId}`);
    const pick = seeded.donors.find((d) => d.file.startsWith('08-')) ?? seeded.donors[0];
    if (pick)
      lines.push(
        '',
        `  try a patient-view call (no prefetch: the service reads ${config.fhir.baseUrl}):`,
        `    ${demoCurl(config, pick.patientId)}`,
      );
  }
  if (config.auth.mode === 'off') {
    const bar = '!'.repeat(100);
    lines.push(
      '',
      bar,
      '!!! JWT AUTHENTICATION IS OFF (AUTH_MODE=off): ANY CALLER CAN USE THESE CDS SERVICES. DEMO MODE ONLY: NEVER WITH REAL PATIENT DATA. !!!',
      bar,
    );
    logger.warn({ authMode: 'off' }, 'CDS client JWT authentication is OFF (demo mode)');
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  logger.info(
    { port, fhirEmbedded: config.fhir.embedded, authMode: config.auth.mode, rules: ruleset.rules.length },
    'donorguard started',
  );

  const stop = (signal: string): void => {
    logger.info({ signal }, 'donorguard stopping');
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`donorguard: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
