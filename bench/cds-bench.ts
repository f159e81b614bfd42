import autocannon from 'autocannon';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { loadRules } from '../src/adapters/rules-loader.js';
import { loadSettings } from '../src/adapters/settings-loader.js';
import { PROJECT_ROOT } from '../src/cli/screen-command.js';
import type { AuditStore } from '../src/cds/feedback.js';
import type { HookMetrics } from '../src/cds/hook.js';
import { expandTemplate } from '../src/cds/prefetch.js';
import { PREFETCH_KEYS } from '../src/cds/services.js';
import { loadConfig } from '../src/config/index.js';
import { createEmbeddedFhirServer } from '../src/fhir-server/index.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logging.js';
import { seedExamples, type DemoDonor } from '../src/server.js';

/**
 * `npm run bench:cds`: the CDS Hooks service on loopback, driven by autocannon with `patient-view`
 * calls carrying FULL prefetch for realistic workups (the demo workups, prefetch built by running the
 * discovery templates against the FHIR server, as an EHR would), against a baseline endpoint in the
 * same app that parses the same bodies and answers `{"cards": []}`. Both go through the same express
 * stack (security headers, JSON body parser). Ratios are comparable across machines; rates are not.
 *
 * With full prefetch the service still reads, in one batch per round, what prefetch cannot express (the
 * records the donor's data points at, the recipient). That FHIR server (the embedded one, seeded with the
 * demo workups) runs in a worker thread, as an EHR's server runs elsewhere: its latency is inside the
 * measurement, its CPU is not the service's. Also printed: the FHIR requests a hook makes when the
 * prefetch is absent, and where a hook's time goes.
 */

const DURATION = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const WORKUPS = ['08-', '09-', '13-', '01-', '06-', '11-'];

interface FhirReady {
  url: string;
  donors: DemoDonor[];
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

if (isMainThread) {
  await main();
} else {
  await fhirWorker();
}

/**
 * The FHIR server thread: the embedded server seeded with the demo workups. In replay mode a batch it
 * has answered before is answered again from memory (a recorded EHR): the same bytes over the same HTTP,
 * without Medplum's in-memory search cost, so the run measures the CDS service rather than the demo
 * FHIR server, which answers about one batch per 40 ms, one at a time.
 */
async function fhirWorker(): Promise<void> {
  const app = express();
  const server: Server = createServer(app);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  const fhir = createEmbeddedFhirServer({ baseUrl: url });
  const memo = new Map<string, string>();
  let replay = false;
  app.post(
    '/fhir',
    express.text({ type: () => true, limit: '5mb' }),
    (req: Request, res: Response, next: NextFunction) => {
      const key = String(req.body);
      const answer = replay ? memo.get(key) : undefined;
      if (answer !== undefined) {
        res.setHeader('Content-Type', 'application/fhir+json');
        res.end(answer);
        return;
      }
      req.body = JSON.parse(key) as unknown;
      const end = res.end.bind(res) as (chunk?: unknown) => Response;
      res.end = ((chunk?: unknown) => {
        if (typeof chunk === 'string' && res.statusCode === 200) memo.set(key, chunk);
        return end(chunk);
      }) as Response['end'];
      next();
    },
  );
  app.use('/fhir', fhir.router);
  const seeded = await seedExamples(fhir);
  parentPort?.on('message', (message: string) => {
    if (message === 'replay') replay = true;
    else if (message === 'live') replay = false;
    else server.close(() => process.exit(0));
  });
  parentPort?.postMessage({ url, donors: seeded.donors } satisfies FhirReady);
}

async function startFhirWorker(): Promise<{ worker: Worker; ready: FhirReady }> {
  // The worker runs this same TypeScript file: it registers tsx's loader first (workers do not inherit it).
  const source = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(source, { eval: true });
  const ready = await new Promise<FhirReady>((resolve, reject) => {
    worker.once('message', (m: FhirReady) => resolve(m));
    worker.once('error', reject);
  });
  return { worker, ready };
}

async function main(): Promise<void> {
  const { ruleset, roleCodes } = await loadRules(join(PROJECT_ROOT, 'rules'));
  const settings = await loadSettings(join(PROJECT_ROOT, 'rules', 'settings.default.yaml'), undefined, {
    centreCountry: 'GB',
  });
  const { worker, ready } = await startFhirWorker();
  const fhirUrl = ready.url;

  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    FHIR_BASE_URL: fhirUrl,
    AUTH_MODE: 'off',
    LOG_LEVEL: 'silent',
    BODY_LIMIT: '5mb',
    HOOK_DEADLINE_MS: '10000',
    FHIR_CALL_TIMEOUT_MS: '10000',
  });
  const metrics: HookMetrics[] = [];
  const noAudit: AuditStore = { storeOnce: () => Promise.resolve('created') };
  const app = createApp({
    config,
    ruleset,
    roleCodes,
    settings,
    logger: createLogger('silent'),
    auditStore: noAudit,
    asOf: () => '2026-03-02',
    onHook: (m) => metrics.push(m),
    configure: (a) => {
      a.post(
        '/baseline/cds-services/:id',
        express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] }),
        (req, res) => {
          if (typeof (req.body as { hook?: unknown } | undefined)?.hook !== 'string') {
            res.status(400).end();
            return;
          }
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          res.send('{"cards":[]}');
        },
      );
    },
  });
  server.on('request', app);

  const hook = async (body: unknown): Promise<void> => {
    const res = await fetch(`${base}/cds-services/donorguard-patient-view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
  };
  const prefetchFor = async (patientId: string): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {};
    for (const key of PREFETCH_KEYS) {
      const res = await fetch(`${fhirUrl}/${expandTemplate(key.template, { patientId }) ?? ''}`, {
        headers: { accept: 'application/fhir+json' },
      });
      out[key.key] = await res.json();
    }
    return out;
  };

  // FHIR requests per hook with the prefetch absent (every demo workup once; this also warms the JIT).
  for (const d of ready.donors) {
    await hook({
      hook: 'patient-view',
      hookInstance: crypto.randomUUID(),
      fhirServer: fhirUrl,
      context: { userId: 'Practitioner/bench', patientId: d.patientId },
    });
  }
  const absent = metrics.map((m) => m.gather?.fhirRequests ?? 0);
  const absentRounds = metrics.map((m) => m.gather?.rounds ?? 0);

  const chosen = WORKUPS.map((prefix) => ready.donors.find((d) => d.file.startsWith(prefix))).filter(
    (d) => d !== undefined,
  );
  const bodies = await Promise.all(
    chosen.map(async (d) =>
      JSON.stringify({
        hook: 'patient-view',
        hookInstance: crypto.randomUUID(),
        fhirServer: fhirUrl,
        context: { userId: 'Practitioner/bench', patientId: d.patientId },
        prefetch: await prefetchFor(d.patientId),
      }),
    ),
  );
  metrics.length = 0;
  for (const body of bodies) await hook(JSON.parse(body));
  const full = metrics.map((m) => m.gather?.fhirRequests ?? 0);
  const cardsPerWorkup = metrics.map((m) => m.cards);
  const meanBytes = Math.round(bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length);

  const run = async (path: string): Promise<Figures> => {
    const result = await autocannon({
      url: `${base}${path}`,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: bodies.map((body) => ({
        method: 'POST' as const,
        path,
        headers: { 'content-type': 'application/json' },
        body,
      })),
    });
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    };
  };

  const baseline = await run('/baseline/cds-services/donorguard-patient-view');
  worker.postMessage('replay');
  // One at a time first: where a hook's time goes without queueing.
  metrics.length = 0;
  const sequentialStarted = performance.now();
  for (let i = 0; i < 60; i++) await hook(JSON.parse(bodies[i % bodies.length] ?? '{}'));
  const sequential = {
    wall: (performance.now() - sequentialStarted) / 60,
    gather: median(metrics.map((m) => m.gatherMs)),
    screen: median(metrics.map((m) => m.screenMs)),
  };
  metrics.length = 0;
  const cds = await run('/cds-services/donorguard-patient-view');
  const split = {
    gather: median(metrics.map((m) => m.gatherMs)),
    screen: median(metrics.map((m) => m.screenMs)),
    total: median(metrics.map((m) => m.totalMs)),
  };
  worker.postMessage('live');
  const live = await run('/cds-services/donorguard-patient-view');

  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
  worker.postMessage('stop');
  await new Promise((done) => worker.once('exit', done));

  const line = (name: string, f: Figures): string =>
    `${name.padEnd(9)} ${f.rps.toFixed(1).padStart(9)} req/s   p50 ${String(f.p50).padStart(5)} ms   p99 ${String(f.p99).padStart(5)} ms   (${f.requests} requests, ${f.non2xx} non-2xx, ${f.errors} errors)`;
  const out = [
    `DonorGuard CDS Hooks benchmark: ${DURATION} s per endpoint, ${CONNECTIONS} connections, loopback, Node ${process.version}, FHIR server in a worker thread`,
    `workups: ${chosen.map((d) => d.file).join(', ')}; full prefetch, mean body ${meanBytes} bytes; cards per workup: ${cardsPerWorkup.join(', ')}`,
    line('baseline', baseline),
    line('cds', cds),
    `  (cds: the FHIR server replays its recorded batch answers; under load the median hook spends ${split.total} ms in the handler: ${split.gather} ms gathering, ${split.screen} ms screening and cards)`,
    `  (one at a time: ${sequential.wall.toFixed(1)} ms per call end to end; median ${sequential.gather} ms gathering incl. one FHIR batch round trip, ${sequential.screen} ms screening and cards)`,
    line('cds-live', live),
    `  (cds-live: every batch answered by the demo FHIR server's in-memory search, which then limits throughput; ratio ${(live.rps / baseline.rps).toFixed(4)})`,
    `FHIR requests per hook, prefetch absent (${absent.length} demo workups): ${stats(absent)}; batch rounds ${stats(absentRounds)}`,
    `FHIR requests per hook, full prefetch (references and recipient, batched): ${stats(full)}`,
    `cds/baseline throughput ratio: ${(cds.rps / baseline.rps).toFixed(4)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor(sorted.length / 2)] ?? 0);
}

function stats(xs: number[]): string {
  return xs.length === 0
    ? 'n/a'
    : `mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)}, min ${Math.min(...xs)}, max ${Math.max(...xs)}`;
}
