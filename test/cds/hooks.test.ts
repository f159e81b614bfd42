import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cdsResponseSchema,
  discoveryResponseSchema,
  operationOutcomeSchema,
  type CdsResponse,
} from '../../src/cds/schemas.js';
import { PREFETCH_KEYS } from '../../src/cds/services.js';
import { buildPrefetch, donorId, patientView, postJson, startService, type RunningService } from './support.js';

/**
 * Both hooks over real HTTP, against the embedded FHIR server seeded with the demo workups: prefetch
 * full, partial, null and absent; the fallback fetches counted on the FHIR server's side.
 */

let svc: RunningService;
const PV = () => `${svc.url}/cds-services/donorguard-patient-view`;
const OS = () => `${svc.url}/cds-services/donorguard-order-sign`;

beforeAll(async () => {
  svc = await startService({ examples: ['01-', '08-', '09-', '13-'] });
});
afterAll(async () => {
  await svc?.close();
});

function cards(json: unknown): CdsResponse['cards'] {
  return cdsResponseSchema.parse(json).cards;
}

function ruleIds(json: unknown): string[] {
  return cards(json)
    .map((c) => c.source.topic?.code ?? 'screen-incomplete')
    .sort();
}

async function hook(url: string, body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
  svc.fhirRequests.reset();
  const res = await postJson(url, body);
  return res;
}

describe('discovery', () => {
  it('lists patient-view and order-sign with prefetch templates covering what the rules read', async () => {
    const res = await fetch(`${svc.url}/cds-services`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const discovery = discoveryResponseSchema.parse(await res.json());
    expect(discovery.services.map((s) => [s.hook, s.id])).toEqual([
      ['patient-view', 'donorguard-patient-view'],
      ['order-sign', 'donorguard-order-sign'],
    ]);
    for (const s of discovery.services) {
      expect(s.title).toBeTruthy();
      expect(s.usageRequirements).toMatch(/412/);
      expect(Object.keys(s.prefetch ?? {})).toEqual(PREFETCH_KEYS.map((k) => k.key));
      expect(s.prefetch?.patient).toBe('Patient/{{context.patientId}}');
      expect(s.prefetch?.consents).toBe('Consent?patient={{context.patientId}}');
      expect(s.prefetch?.coverages).toBe('Coverage?beneficiary={{context.patientId}}');
    }
  });
});

describe('patient-view', () => {
  it('absent prefetch: fetches everything from fhirServer, in parallel then in batches, and shows the findings', async () => {
    const id = donorId(svc, '08-');
    const { status, json } = await hook(PV(), patientView(id, { fhirServer: svc.fhirUrl }));
    expect(status).toBe(200);
    const list = cards(json);
    expect(list.length).toBeGreaterThan(3);
    expect(list[0]?.indicator).toBe('critical');
    expect(ruleIds(json)).toEqual(
      expect.arrayContaining(['payment.reward-offered-or-received', 'process.interpreter-not-independent']),
    );
    const m = svc.metrics.at(-1);
    // one request per prefetch key, then at most three batch rounds (references, recipient)
    expect(m?.gather?.fhirRequests).toBe(svc.fhirRequests.count);
    expect(svc.fhirRequests.count).toBe(PREFETCH_KEYS.length + (m?.gather?.rounds ?? 0));
    expect(m?.gather?.rounds).toBeGreaterThanOrEqual(1);
    expect(m?.gather?.rounds).toBeLessThanOrEqual(3);
    expect(svc.fhirRequests.lines.filter((l) => l.startsWith('POST')).length).toBe(m?.gather?.rounds);
  });

  it('full prefetch: the same findings; only the referenced records and the recipient are fetched', async () => {
    const id = donorId(svc, '08-');
    const absent = await hook(PV(), patientView(id, { fhirServer: svc.fhirUrl }));
    const prefetch = await buildPrefetch(svc.fhirUrl, id);
    const full = await hook(PV(), patientView(id, { fhirServer: svc.fhirUrl, prefetch }));
    expect(full.status).toBe(200);
    expect(ruleIds(full.json)).toEqual(ruleIds(absent.json));
    const m = svc.metrics.at(-1);
    expect(m?.gather?.prefetchUsed).toBe(PREFETCH_KEYS.length);
    expect(svc.fhirRequests.count).toBe(m?.gather?.rounds);
    expect(svc.fhirRequests.lines.every((l) => l.startsWith('POST /'))).toBe(true);
  });

  it('partial prefetch: only the missing keys are fetched', async () => {
    const id = donorId(svc, '08-');
    const keys = PREFETCH_KEYS.map((k) => k.key).filter((k) => k !== 'consents' && k !== 'encounters');
    const prefetch = await buildPrefetch(svc.fhirUrl, id, keys);
    const res = await hook(PV(), patientView(id, { fhirServer: svc.fhirUrl, prefetch }));
    expect(res.status).toBe(200);
    const gets = svc.fhirRequests.lines.filter((l) => l.startsWith('GET'));
    expect(gets).toHaveLength(2);
    expect(gets.some((l) => l.startsWith('GET /Consent?patient='))).toBe(true);
    expect(gets.some((l) => l.startsWith('GET /Encounter?patient='))).toBe(true);
    expect(ruleIds(res.json)).toContain('process.interpreter-not-independent');
  });

  it('null prefetch means "no data": nothing is fetched for those keys', async () => {
    const id = donorId(svc, '08-');
    const prefetch = await buildPrefetch(svc.fhirUrl, id);
    for (const key of ['claims', 'invoices', 'chargeItems', 'carePlans', 'procedures']) prefetch[key] = null;
    const res = await hook(PV(), patientView(id, { fhirServer: svc.fhirUrl, prefetch }));
    expect(res.status).toBe(200);
    expect(svc.fhirRequests.lines.filter((l) => l.startsWith('GET'))).toEqual([]);
    cards(res.json);
  });

  it('a patient whose prefetch says there is no donor evaluation is not screened: no cards, no fetches', async () => {
    const id = donorId(svc, '08-');
    const prefetch: Record<string, unknown> = Object.fromEntries(PREFETCH_KEYS.map((k) => [k.key, null]));
    prefetch.patient = (await buildPrefetch(svc.fhirUrl, id, ['patient'])).patient;
    const res = await hook(PV(), patientView(id, { fhirServer: svc.fhirUrl, prefetch }));
    expect(res.status).toBe(200);
    expect(cdsResponseSchema.parse(res.json)).toEqual({ cards: [] });
    expect(svc.fhirRequests.count).toBe(0);
  });

  it('a clean workup gives no cards ("screened, nothing found")', async () => {
    const res = await hook(PV(), patientView(donorId(svc, '01-'), { fhirServer: svc.fhirUrl }));
    expect(res.status).toBe(200);
    expect(cdsResponseSchema.parse(res.json)).toEqual({ cards: [] });
    expect(svc.metrics.at(-1)?.screenStatus).toBe('complete');
  });

  it('the recipient (not a donor candidate) gets no cards', async () => {
    const donor = donorId(svc, '01-');
    const episodes = (await (await fetch(`${svc.fhirUrl}/EpisodeOfCare?patient=${donor}`)).json()) as {
      entry: Array<{ resource: { extension?: Array<{ url: string; valueReference?: { reference: string } }> } }>;
    };
    const recipient = episodes.entry[0]?.resource.extension
      ?.find((e) => e.url.endsWith('intended-recipient'))
      ?.valueReference?.reference.split('/')[1];
    expect(recipient).toBeTruthy();
    const res = await hook(PV(), patientView(recipient ?? '', { fhirServer: svc.fhirUrl }));
    expect(res.status).toBe(200);
    expect(cdsResponseSchema.parse(res.json)).toEqual({ cards: [] });
    expect(svc.metrics.at(-1)?.outcome).toBe('not-a-donor-candidate');
  });

  it('missing safeguards with surgery booked: critical cards plus a "Screen incomplete" card', async () => {
    const res = await hook(PV(), patientView(donorId(svc, '13-'), { fhirServer: svc.fhirUrl }));
    expect(res.status).toBe(200);
    const list = cards(res.json);
    const incomplete = list.find((c) => c.summary.startsWith('Screen incomplete'));
    expect(incomplete?.indicator).toBe('warning');
    expect(incomplete?.detail).toMatch(/interviewed/i);
    expect(list.filter((c) => c.indicator === 'critical').map((c) => c.source.topic?.code)).toEqual(
      expect.arrayContaining(['consent.required-consent-missing', 'consent.psychosocial-evaluation-missing']),
    );
  });

  it('finds the recipient through the inverse claim and a transaction-seeded workup (09)', async () => {
    const res = await hook(PV(), patientView(donorId(svc, '09-'), { fhirServer: svc.fhirUrl }));
    expect(res.status).toBe(200);
    expect(ruleIds(res.json)).toEqual(
      expect.arrayContaining(['travel.both-parties-nonresident', 'process.interpreter-not-independent']),
    );
  });

  it('every card links to the screening report page, served as escaped HTML with no-store', async () => {
    const res = await hook(PV(), patientView(donorId(svc, '08-'), { fhirServer: svc.fhirUrl }));
    const link = cards(res.json)[0]?.links?.[0];
    expect(link?.type).toBe('absolute');
    const page = await fetch(link?.url ?? '');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await page.text();
    expect(html).toContain('process.interpreter-not-independent');
    expect(html).not.toMatch(/<script/i);
    const forged = await fetch(`${svc.url}/review/${donorId(svc, '08-')}?report=00000000-0000-4000-8000-000000000000`);
    expect(forged.status).toBe(404);
    const source = await fetch(cards(res.json)[0]?.source.url ?? '');
    expect(source.status).toBe(200);
  });
});

describe('order-sign', () => {
  const surgeryOrder = (patientId: string) => ({
    resourceType: 'ServiceRequest',
    id: 'draft-1',
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: 'http://donorguard.org/fhir/CodeSystem/workup', code: 'living-donor-nephrectomy' }] },
    subject: { reference: `Patient/${patientId}` },
    authoredOn: '2026-03-02',
    occurrenceDateTime: '2026-03-20',
  });

  it('a draft donor-surgery order counts as booked: missing safeguards become critical', async () => {
    const id = donorId(svc, '13-');
    const prefetch = await buildPrefetch(svc.fhirUrl, id);
    // Without the booked order and appointment on file, the same workup is not yet "booked".
    prefetch.serviceRequests = null;
    prefetch.appointments = null;
    const view = await hook(PV(), patientView(id, { fhirServer: svc.fhirUrl, prefetch }));
    const sign = await hook(OS(), {
      hook: 'order-sign',
      hookInstance: 'b7f6f1a2-1111-4111-8111-000000000001',
      fhirServer: svc.fhirUrl,
      context: {
        userId: 'Practitioner/test-surgeon',
        patientId: id,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: surgeryOrder(id) }] },
      },
      prefetch,
    });
    expect(sign.status).toBe(200);
    const critical = (json: unknown) =>
      cards(json)
        .filter((c) => c.indicator === 'critical')
        .map((c) => c.source.topic?.code);
    expect(critical(sign.json).length).toBeGreaterThan(critical(view.json).length);
    expect(critical(sign.json)).toContain('consent.required-consent-missing');
  });

  it('an order that is not donor surgery gets no cards, without screening', async () => {
    const id = donorId(svc, '08-');
    const res = await hook(OS(), {
      hook: 'order-sign',
      hookInstance: 'b7f6f1a2-1111-4111-8111-000000000002',
      fhirServer: svc.fhirUrl,
      context: {
        userId: 'Practitioner/test-surgeon',
        patientId: id,
        draftOrders: {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            {
              resource: {
                resourceType: 'ServiceRequest',
                status: 'draft',
                intent: 'order',
                code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] },
                subject: { reference: `Patient/${id}` },
              },
            },
          ],
        },
      },
    });
    expect(res.status).toBe(200);
    expect(cdsResponseSchema.parse(res.json)).toEqual({ cards: [] });
    expect(svc.fhirRequests.count).toBe(0);
    expect(svc.metrics.at(-1)?.outcome).toBe('no-donor-surgery-order');
  });

  it('order-sign requires context.draftOrders', async () => {
    const res = await hook(OS(), {
      hook: 'order-sign',
      hookInstance: 'b7f6f1a2-1111-4111-8111-000000000003',
      context: { patientId: 'x' },
    });
    expect(res.status).toBe(400);
    const outcome = operationOutcomeSchema.parse(res.json);
    expect(outcome.issue.flatMap((i) => i.expression ?? [])).toContain('context.draftOrders');
  });
});

describe('412 and 400', () => {
  it('no prefetch and no fhirServer: 412 naming the missing donor record', async () => {
    const res = await hook(PV(), patientView(donorId(svc, '08-')));
    expect(res.status).toBe(412);
    const outcome = operationOutcomeSchema.parse(res.json);
    expect(outcome.issue[0]?.expression).toEqual(['prefetch.patient']);
    expect(outcome.issue[0]?.diagnostics).toMatch(/no fhirServer/);
  });

  it('an unknown patient: 412 (the FHIR server has no such record)', async () => {
    const res = await hook(PV(), patientView('no-such-patient', { fhirServer: svc.fhirUrl }));
    expect(res.status).toBe(412);
    expect(operationOutcomeSchema.parse(res.json).issue[0]?.diagnostics).toMatch(/HTTP 404/);
  });

  it('prefetch with only the patient and no fhirServer: 412, whether the patient is a donor cannot be told', async () => {
    const id = donorId(svc, '08-');
    const prefetch = await buildPrefetch(svc.fhirUrl, id, ['patient']);
    const res = await hook(PV(), patientView(id, { prefetch }));
    expect(res.status).toBe(412);
    const expressions = operationOutcomeSchema.parse(res.json).issue.flatMap((i) => i.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['prefetch.episodesOfCare', 'prefetch.observations']));
  });

  it.each([
    ['missing context.patientId', { hook: 'patient-view', hookInstance: 'a', context: {} }, 'context.patientId'],
    [
      'a patientId that is not a FHIR id',
      { hook: 'patient-view', hookInstance: 'a', context: { patientId: '../x' } },
      'context.patientId',
    ],
    [
      'fhirAuthorization without fhirServer',
      {
        hook: 'patient-view',
        hookInstance: 'a',
        context: { patientId: 'x' },
        fhirAuthorization: {
          access_token: 't',
          token_type: 'bearer',
          expires_in: 30,
          scope: 'user/*.read',
          subject: 's',
        },
      },
      'fhirServer',
    ],
    [
      'a prefetch value that is not a resource',
      { hook: 'patient-view', hookInstance: 'a', context: { patientId: 'x' }, prefetch: { patient: 'x' } },
      'prefetch.patient',
    ],
    ['the wrong hook', { hook: 'order-select', hookInstance: 'a', context: { patientId: 'x' } }, 'hook'],
  ])('400 naming the field: %s', async (_name, body, field) => {
    const res = await hook(PV(), body);
    expect(res.status).toBe(400);
    const outcome = operationOutcomeSchema.parse(res.json);
    expect(outcome.issue.flatMap((i) => i.expression ?? [])).toContain(field);
  });

  it('an unknown service: 404 OperationOutcome', async () => {
    const res = await hook(`${svc.url}/cds-services/nope`, patientView('x'));
    expect(res.status).toBe(404);
    operationOutcomeSchema.parse(res.json);
  });
});
