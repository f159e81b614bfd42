import express from 'express';
import { Client } from 'fhir-kit-client';
import type {
  Bundle,
  CapabilityStatement,
  FhirResource,
  Observation,
  OperationOutcome,
  Patient,
  RelatedPerson,
} from 'fhir/r4.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmbeddedFhirServer,
  SeedError,
  startStandaloneFhirServer,
  type StandaloneFhirServer,
} from '../../src/fhir-server/index.js';

let server: StandaloneFhirServer;
let client: Client;

beforeAll(async () => {
  server = await startStandaloneFhirServer(0);
  client = new Client({ baseUrl: server.url });
});

afterAll(async () => {
  await server.close();
});

/** fhir-kit-client returns loosely typed resources; the tests narrow them here. */
async function as<T>(p: Promise<unknown>): Promise<T> {
  return (await p) as T;
}

async function createPatient(family: string): Promise<Patient> {
  return as<Patient>(client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family }] } }));
}

async function httpError(p: Promise<unknown>): Promise<{ status: number; data: OperationOutcome }> {
  try {
    await p;
  } catch (err) {
    return (err as { response: { status: number; data: OperationOutcome } }).response;
  }
  throw new Error('expected the request to fail');
}

/** Status and headers of the HTTP response behind a fhir-kit-client result. */
function httpOf(result: object): Response {
  return (Client.httpFor(result as Parameters<typeof Client.httpFor>[0]) as { response: Response }).response;
}

const uuid = (n: number): string => `urn:uuid:${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

describe('GET /metadata', () => {
  it('is a CapabilityStatement for FHIR 4.0.1 listing resources and search parameters', async () => {
    const cs = await as<CapabilityStatement>(client.capabilityStatement());
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.format).toContain('json');
    expect(cs.kind).toBe('instance');
    const rest = cs.rest?.[0];
    expect(rest?.mode).toBe('server');
    expect(rest?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch']);
    const relatedPerson = rest?.resource?.find((r) => r.type === 'RelatedPerson');
    expect(relatedPerson?.interaction?.map((i) => i.code)).toContain('search-type');
    expect(relatedPerson?.searchParam?.find((p) => p.name === 'patient')).toMatchObject({ type: 'reference' });
    // Parameter types the server cannot evaluate are not advertised.
    const observation = rest?.resource?.find((r) => r.type === 'Observation');
    expect(observation?.searchParam?.some((p) => p.name === 'value-quantity')).toBe(false);
    expect(observation?.searchParam?.some((p) => p.name === 'subject')).toBe(true);
  });

  it('is served as application/fhir+json', async () => {
    const res = await fetch(`${server.url}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  });
});

describe('create, read, update, search', () => {
  it('creates with 201 + Location + ETag and reads back', async () => {
    const created = await createPatient('Alpha');
    expect(created.id).toBeTruthy();
    const response = httpOf(created);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(
      `${server.url}/Patient/${created.id}/_history/${created.meta?.versionId}`,
    );
    expect(response.headers.get('etag')).toBe(`W/"${created.meta?.versionId}"`);
    const read = await as<Patient>(client.read({ resourceType: 'Patient', id: created.id ?? '' }));
    expect(read.name?.[0]?.family).toBe('Alpha');
  });

  it('searches by a string parameter, with absolute fullUrls and search.mode', async () => {
    const created = await createPatient('Zebediah');
    const bundle = await as<Bundle>(client.search({ resourceType: 'Patient', searchParams: { family: 'Zebediah' } }));
    expect(bundle.type).toBe('searchset');
    expect(bundle.total).toBe(1);
    expect(bundle.entry?.[0]).toMatchObject({
      fullUrl: `${server.url}/Patient/${created.id}`,
      search: { mode: 'match' },
    });
    expect(bundle.link?.find((l) => l.relation === 'self')?.url).toMatch(new RegExp(`^${server.url}/Patient\\?`));
  });

  it('update-as-create answers 201, a later update 200', async () => {
    const body = { resourceType: 'Patient', id: 'fixed-id-1', name: [{ family: 'Put' }] };
    const first = await as<Patient>(client.update({ resourceType: 'Patient', id: 'fixed-id-1', body }));
    expect(httpOf(first).status).toBe(201);
    const second = await as<Patient>(
      client.update({ resourceType: 'Patient', id: 'fixed-id-1', body: { ...body, gender: 'female' } }),
    );
    expect(httpOf(second).status).toBe(200);
    expect(second.gender).toBe('female');
  });

  it('patches with JSON Patch and creates conditionally (If-None-Exist)', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'cond-1' }] };
    const created = await as<Patient>(client.create({ resourceType: 'Patient', body }));
    const patched = await as<Patient>(
      client.patch({
        resourceType: 'Patient',
        id: created.id ?? '',
        jsonPatch: [{ op: 'add', path: '/gender', value: 'male' }],
      }),
    );
    expect(patched.gender).toBe('male');
    const again = await as<Patient>(
      client.create({
        resourceType: 'Patient',
        body,
        options: { headers: { 'If-None-Exist': 'identifier=urn:test|cond-1' } },
      }),
    );
    expect(again.id).toBe(created.id);
    expect(httpOf(again).status).toBe(200);
  });

  it('answers 404 OperationOutcomes for unknown ids and resource types', async () => {
    const missing = await httpError(client.read({ resourceType: 'Patient', id: 'does-not-exist' }));
    expect(missing.status).toBe(404);
    expect(missing.data.resourceType).toBe('OperationOutcome');
    const unknownType = await httpError(client.search({ resourceType: 'Spaceship' }));
    expect(unknownType.status).toBe(404);
  });

  it('refuses unknown and unsupported search parameters with 400 instead of returning nothing', async () => {
    const unknown = await httpError(client.search({ resourceType: 'Observation', searchParams: { colour: 'red' } }));
    expect(unknown.status).toBe(400);
    expect(unknown.data.issue[0]).toMatchObject({ code: 'not-supported', expression: ['colour'] });
    const chained = await httpError(
      client.search({ resourceType: 'Observation', searchParams: { 'subject.name': 'x' } }),
    );
    expect(chained.status).toBe(400);
    const quantity = await httpError(
      client.search({ resourceType: 'Observation', searchParams: { 'value-quantity': '5' } }),
    );
    expect(quantity.status).toBe(400);
  });
});

describe('reference searches', () => {
  let donor: Patient;
  let related: RelatedPerson;

  beforeAll(async () => {
    donor = await createPatient('Donor');
    related = await as<RelatedPerson>(
      client.create({
        resourceType: 'RelatedPerson',
        body: { resourceType: 'RelatedPerson', patient: { reference: `Patient/${donor.id}` } },
      }),
    );
    await client.create({
      resourceType: 'Observation',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'eGFR' },
        subject: { reference: `Patient/${donor.id}` },
      },
    });
  });

  it('matches a bare id (what CDS prefetch templates expand to)', async () => {
    const bundle = await as<Bundle>(
      client.search({ resourceType: 'RelatedPerson', searchParams: { patient: donor.id ?? '' } }),
    );
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual([related.id]);
  });

  it('matches a bare id on a parameter with several target types (subject)', async () => {
    const bundle = await as<Bundle>(
      client.search({ resourceType: 'Observation', searchParams: { subject: donor.id ?? '' } }),
    );
    expect(bundle.total).toBe(1);
  });

  it('matches Type/id, a type modifier and an absolute URL on this server', async () => {
    const queries: Array<Record<string, string>> = [
      { patient: `Patient/${donor.id}` },
      { 'subject:Patient': donor.id ?? '' },
      { subject: `${server.url}/Patient/${donor.id}` },
    ];
    for (const searchParams of queries) {
      const resourceType = 'patient' in searchParams ? 'RelatedPerson' : 'Observation';
      const bundle = await as<Bundle>(client.search({ resourceType, searchParams }));
      expect(bundle.total, JSON.stringify(searchParams)).toBe(1);
    }
  });

  it('does not match another patient', async () => {
    const bundle = await as<Bundle>(
      client.search({ resourceType: 'RelatedPerson', searchParams: { patient: 'someone-else' } }),
    );
    expect(bundle.total).toBe(0);
  });

  it('answers POST _search (form-encoded) like GET', async () => {
    const bundle = await as<Bundle>(
      client.search({
        resourceType: 'RelatedPerson',
        searchParams: { patient: donor.id ?? '' },
        options: { postSearch: true },
      }),
    );
    expect(bundle.total).toBe(1);
  });

  it('supports _include and _revinclude one level deep', async () => {
    const withPatient = await as<Bundle>(
      client.search({
        resourceType: 'RelatedPerson',
        searchParams: { patient: donor.id ?? '', _include: 'RelatedPerson:patient' },
      }),
    );
    expect(withPatient.entry?.map((e) => [e.resource?.resourceType, e.search?.mode])).toEqual([
      ['RelatedPerson', 'match'],
      ['Patient', 'include'],
    ]);
    const withRelated = await as<Bundle>(
      client.search({
        resourceType: 'Patient',
        searchParams: { _id: donor.id ?? '', _revinclude: 'RelatedPerson:patient' },
      }),
    );
    expect(withRelated.entry?.map((e) => e.resource?.resourceType)).toEqual(['Patient', 'RelatedPerson']);
  });
});

describe('paging', () => {
  it('emits absolute next links that fhir-kit-client nextPage follows to the end', async () => {
    const patient = await createPatient('Paged');
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const obs = await as<Observation>(
        client.create({
          resourceType: 'Observation',
          body: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: `obs ${i}` },
            subject: { reference: `Patient/${patient.id}` },
          },
        }),
      );
      created.push(obs.id ?? '');
    }
    let page: Bundle | undefined = await as<Bundle>(
      client.search({ resourceType: 'Observation', searchParams: { subject: patient.id ?? '', _count: 3 } }),
    );
    expect(page.total).toBe(7);
    expect(page.link?.find((l) => l.relation === 'next')?.url).toMatch(
      new RegExp(`^${server.url}/Observation\\?.*_offset=3`),
    );
    const seen: string[] = [];
    const sizes: number[] = [];
    while (page) {
      sizes.push(page.entry?.length ?? 0);
      seen.push(...(page.entry ?? []).map((e) => e.resource?.id ?? ''));
      if (seen.length > 3) {
        expect(page.link?.some((l) => l.relation === 'previous')).toBe(true);
      }
      page = (await client.nextPage({ bundle: page as unknown as Parameters<Client['nextPage']>[0]['bundle'] })) as
        Bundle | undefined;
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect([...seen].sort()).toEqual([...created].sort());
  });

  it('pages by default (100) and caps _count', async () => {
    const small = await startStandaloneFhirServer(0, { defaultPageSize: 2, maxPageSize: 3 });
    try {
      const c = new Client({ baseUrl: small.url });
      for (let i = 0; i < 5; i++) {
        await c.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } });
      }
      const page = await as<Bundle>(c.search({ resourceType: 'Patient' }));
      expect(page.entry).toHaveLength(2);
      expect(page.link?.some((l) => l.relation === 'next')).toBe(true);
      const capped = await as<Bundle>(c.search({ resourceType: 'Patient', searchParams: { _count: 50 } }));
      expect(capped.entry).toHaveLength(3);
      const count = await as<Bundle>(c.search({ resourceType: 'Patient', searchParams: { _summary: 'count' } }));
      expect(count.total).toBe(5);
      expect(count.entry).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});

describe('transactions and batches at the base', () => {
  it('rewrites urn:uuid references in a transaction', async () => {
    const response = await as<Bundle>(
      client.transaction({
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              fullUrl: uuid(1),
              resource: { resourceType: 'Patient', name: [{ family: 'Tx' }] },
              request: { method: 'POST', url: 'Patient' },
            },
            {
              fullUrl: uuid(2),
              resource: { resourceType: 'RelatedPerson', patient: { reference: uuid(1) } },
              request: { method: 'POST', url: 'RelatedPerson' },
            },
          ],
        },
      }),
    );
    expect(response.type).toBe('transaction-response');
    const [patientLocation, relatedLocation] = (response.entry ?? []).map((e) => e.response?.location ?? '');
    expect(patientLocation).toMatch(/^Patient\//);
    const related = await as<RelatedPerson>(
      client.read({ resourceType: 'RelatedPerson', id: relatedLocation?.split('/')[1] ?? '' }),
    );
    expect(related.patient.reference).toBe(patientLocation);
    const found = await as<Bundle>(
      client.search({ resourceType: 'RelatedPerson', searchParams: { patient: patientLocation?.split('/')[1] ?? '' } }),
    );
    expect(found.total).toBe(1);
  });

  it('answers a batch entry by entry, bare-id searches included', async () => {
    const patient = await createPatient('Batch');
    await client.create({
      resourceType: 'RelatedPerson',
      body: { resourceType: 'RelatedPerson', patient: { reference: `Patient/${patient.id}` } },
    });
    const response = await as<Bundle>(
      client.batch({
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: `Patient/${patient.id}` } },
            { request: { method: 'GET', url: 'Patient/nope' } },
            { request: { method: 'GET', url: `RelatedPerson?patient=${patient.id}` } },
          ],
        },
      }),
    );
    expect(response.type).toBe('batch-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['200', '404', '200']);
    expect((response.entry?.[2]?.resource as Bundle | undefined)?.total).toBe(1);
  });
});

describe('seed', () => {
  it('loads a collection Bundle keeping ids and rewriting references', async () => {
    const result = await server.fhir.seed({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'http://example.org/fhir/Patient/donor-1',
          resource: { resourceType: 'Patient', id: 'donor-1', name: [{ family: 'Seeded' }] },
        },
        {
          fullUrl: 'http://example.org/fhir/Patient/recipient-1',
          resource: { resourceType: 'Patient', id: 'recipient-1' },
        },
        {
          fullUrl: uuid(10),
          resource: {
            resourceType: 'RelatedPerson',
            patient: { reference: 'http://example.org/fhir/Patient/donor-1' },
            relationship: [{ text: 'brother' }],
          },
        },
        {
          fullUrl: uuid(11),
          resource: {
            resourceType: 'Consent',
            status: 'active',
            scope: { text: 'x' },
            category: [{ text: 'x' }],
            patient: { reference: 'Patient/donor-1' },
            performer: [{ reference: uuid(10) }],
          },
        },
      ],
    });
    expect(result.type).toBe('transaction-response');
    expect(result.entry?.map((e) => e.response?.status)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
      '201 Created',
    ]);

    const donor = await as<Patient>(client.read({ resourceType: 'Patient', id: 'donor-1' }));
    expect(donor.name?.[0]?.family).toBe('Seeded');
    const related = await as<Bundle>(
      client.search({ resourceType: 'RelatedPerson', searchParams: { patient: 'donor-1' } }),
    );
    expect(related.total).toBe(1);
    const relatedRef = `RelatedPerson/${related.entry?.[0]?.resource?.id}`;
    const consents = await as<Bundle>(client.search({ resourceType: 'Consent', searchParams: { patient: 'donor-1' } }));
    const consent = consents.entry?.[0]?.resource as FhirResource & { performer?: Array<{ reference?: string }> };
    expect(consent.performer?.[0]?.reference).toBe(relatedRef);
  });

  it('loads transaction and searchset Bundles, taking ids from PUT urls', async () => {
    await server.fhir.seed({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: 'Patient/from-put-url' } },
        { request: { method: 'DELETE', url: 'Patient/ignored' } },
      ],
    });
    expect((await as<Patient>(client.read({ resourceType: 'Patient', id: 'from-put-url' }))).id).toBe('from-put-url');
    await server.fhir.seed({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'Patient', id: 'from-searchset' }, search: { mode: 'match' } },
        { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } },
      ],
    });
    expect((await as<Patient>(client.read({ resourceType: 'Patient', id: 'from-searchset' }))).id).toBe(
      'from-searchset',
    );
  });

  it('writes nothing when an entry is invalid', async () => {
    await expect(
      server.fhir.seed({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'would-be-written' } },
          { resource: { resourceType: 'Patient', id: 'bad id!' } },
        ],
      }),
    ).rejects.toThrow(SeedError);
    expect((await httpError(client.read({ resourceType: 'Patient', id: 'would-be-written' }))).status).toBe(404);
  });
});

describe('HTTP details', () => {
  it('answers CORS preflights with 204 and the allowed methods and headers', async () => {
    const res = await fetch(`${server.url}/Patient`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://sandbox.cds-hooks.org',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      expect(res.headers.get('access-control-allow-methods')).toContain(method);
    }
    for (const header of ['Authorization', 'Content-Type', 'Accept', 'Prefer', 'If-None-Exist', 'If-Match']) {
      expect(res.headers.get('access-control-allow-headers')).toContain(header);
    }
    for (const header of ['Location', 'ETag', 'Content-Location']) {
      expect(res.headers.get('access-control-expose-headers')).toContain(header);
    }
  });

  it('puts CORS headers on ordinary responses', async () => {
    const res = await fetch(`${server.url}/Patient?_count=1`, { headers: { Origin: 'https://sandbox.cds-hooks.org' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers an invalid JSON body with 400 OperationOutcome', async () => {
    const res = await fetch(`${server.url}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: '{"resourceType": "Patient",',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const outcome = (await res.json()) as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.code).toBe('structure');
  });

  it('accepts application/json bodies and refuses other media types with 415', async () => {
    const ok = await fetch(`${server.url}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"resourceType":"Patient"}',
    });
    expect(ok.status).toBe(201);
    const wrong = await fetch(`${server.url}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(wrong.status).toBe(415);
    expect(((await wrong.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it('answers a mismatched resource type with 400', async () => {
    const res = await fetch(`${server.url}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: '{"resourceType":"Observation"}',
    });
    expect(res.status).toBe(400);
  });

  it('derives the base URL from the request when mounted without one', async () => {
    const app = express();
    const embedded = createEmbeddedFhirServer();
    app.use('/fhir', embedded.router);
    await embedded.seed({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id: 'a' } }, { resource: { resourceType: 'Patient', id: 'b' } }],
    });
    const res = await request(app).get('/fhir/Patient?_count=1').set('Host', 'demo.example.org');
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;
    expect(bundle.link?.find((l) => l.relation === 'next')?.url).toMatch(
      /^http:\/\/demo\.example\.org\/fhir\/Patient\?_count=1&_offset=1$/,
    );
    expect(bundle.entry?.[0]?.fullUrl).toBe('http://demo.example.org/fhir/Patient/a');
  });

  it('refuses bodies over the limit with 413', async () => {
    const app = express();
    app.use('/fhir', createEmbeddedFhirServer({ baseUrl: 'http://x/fhir', bodyLimit: '1kb' }).router);
    const res = await request(app)
      .post('/fhir/Patient')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: 'x'.repeat(5000) } }));
    expect(res.status).toBe(413);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });
});
