import { describe, expect, it } from 'vitest';
import { classifyPrefetch, expandTemplate } from '../../src/cds/prefetch.js';
import {
  cardSchema,
  feedbackRequestSchema,
  orderSignRequestSchema,
  patientViewRequestSchema,
  serializeCdsJson,
  stripEmpty,
} from '../../src/cds/schemas.js';
import { PREFETCH_KEYS } from '../../src/cds/services.js';
import { uuidV5 } from '../../src/cds/uuid.js';

const key = (k: string) => PREFETCH_KEYS.find((p) => p.key === k)!;

describe('the JSON rules of CDS Hooks §1.2', () => {
  it('strips undefined, null, empty strings, arrays and objects, recursively', () => {
    expect(
      stripEmpty({
        a: null,
        b: '',
        c: [],
        d: {},
        e: { f: [null, '', {}, { g: undefined }] },
        h: 0,
        i: false,
        j: [1, { k: 'x', l: [] }],
      }),
    ).toEqual({
      h: 0,
      i: false,
      j: [1, { k: 'x' }],
    });
    expect(serializeCdsJson({ services: [{ id: 'x', prefetch: {} }] })).toBe('{"services":[{"id":"x"}]}');
  });
});

describe('request schemas', () => {
  const base = {
    hook: 'patient-view',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    context: { userId: 'Practitioner/1', patientId: '1288992' },
  };

  it('accepts the spec example, extra members and a case-insensitive Bearer', () => {
    const ok = patientViewRequestSchema.safeParse({
      ...base,
      fhirServer: 'http://hooks.smarthealthit.org:9080',
      fhirAuthorization: {
        access_token: 'x',
        token_type: 'bearer',
        expires_in: 300,
        scope: 'user/Patient.read',
        subject: 'cds-service4',
      },
      prefetch: { patient: { resourceType: 'Patient', id: '1288992' }, consents: null },
      extension: { 'org.example': 1 },
    });
    expect(ok.success).toBe(true);
  });

  it('rejects fhirAuthorization without fhirServer, a token type other than Bearer, prefetch values that are not resources', () => {
    const auth = { access_token: 'x', token_type: 'Bearer', expires_in: 300, scope: 's', subject: 's' };
    const paths = (value: unknown) =>
      (patientViewRequestSchema.safeParse(value).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ ...base, fhirAuthorization: auth })).toEqual(['fhirServer']);
    expect(paths({ ...base, fhirServer: 'https://x/fhir', fhirAuthorization: { ...auth, token_type: 'MAC' } })).toEqual(
      ['fhirAuthorization.token_type'],
    );
    expect(paths({ ...base, prefetch: { patient: [] } })).toEqual(['prefetch.patient']);
    expect(paths({ ...base, fhirServer: 'ftp://x' })).toEqual(['fhirServer']);
  });

  it('order-sign needs draftOrders as a Bundle', () => {
    expect(
      orderSignRequestSchema.safeParse({
        ...base,
        hook: 'order-sign',
        context: { ...base.context, draftOrders: { resourceType: 'Bundle', entry: [] } },
      }).success,
    ).toBe(true);
    const bad = orderSignRequestSchema.safeParse({
      ...base,
      hook: 'order-sign',
      context: { ...base.context, draftOrders: { resourceType: 'ServiceRequest' } },
    });
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['context.draftOrders.resourceType']);
  });

  it('feedback: card, outcome, timestamp; acceptedSuggestions required for accepted', () => {
    expect(
      feedbackRequestSchema.safeParse({
        feedback: [
          {
            card: 'c',
            outcome: 'overridden',
            overrideReason: { reason: { code: 'x' } },
            outcomeTimestamp: '2026-03-02T10:00:00Z',
          },
        ],
      }).success,
    ).toBe(true);
    expect(
      feedbackRequestSchema.safeParse({
        feedback: [{ card: 'c', outcome: 'accepted', outcomeTimestamp: '2026-03-02T10:00:00Z' }],
      }).success,
    ).toBe(false);
  });
});

describe('response schemas', () => {
  const card = { summary: 's', indicator: 'warning', source: { label: 'DonorGuard' } };
  it('enforce the card rules', () => {
    expect(cardSchema.safeParse(card).success).toBe(true);
    expect(cardSchema.safeParse({ ...card, summary: 'x'.repeat(140) }).success).toBe(false);
    expect(cardSchema.safeParse({ ...card, indicator: 'hard-stop' }).success).toBe(false);
    expect(cardSchema.safeParse({ ...card, suggestions: [{ label: 'l' }] }).success).toBe(false);
    expect(cardSchema.safeParse({ ...card, overrideReasons: [{ system: 's', code: 'c' }] }).success).toBe(false);
    expect(
      cardSchema.safeParse({ ...card, links: [{ label: 'l', url: 'https://x', type: 'absolute', appContext: 'a' }] })
        .success,
    ).toBe(false);
    expect(cardSchema.safeParse({ ...card, detail: '' }).success).toBe(false);
    expect(cardSchema.safeParse({ ...card, unknown: 1 }).success).toBe(false);
  });
});

describe('prefetch', () => {
  it('expands context and user tokens, and gives up on unknown ones', () => {
    expect(expandTemplate('Patient/{{context.patientId}}', { patientId: '12' })).toBe('Patient/12');
    expect(expandTemplate('Task?owner={{userPractitionerId}}', { userId: 'Practitioner/7' })).toBe('Task?owner=7');
    expect(expandTemplate('X?y={{context.medication.id}}', { medication: { id: 1 } })).toBeUndefined();
    expect(expandTemplate('X?y={{context.encounterId}}', {})).toBeUndefined();
  });

  it('absent → fetch; null and an empty searchset → no data; an OperationOutcome → failed; a paged Bundle → data with next', () => {
    expect(classifyPrefetch(undefined, key('consents'), '1').kind).toBe('absent');
    expect(classifyPrefetch(null, key('consents'), '1').kind).toBe('none');
    expect(classifyPrefetch({ resourceType: 'Bundle', type: 'searchset', total: 0 }, key('consents'), '1').kind).toBe(
      'none',
    );
    expect(classifyPrefetch({ resourceType: 'OperationOutcome', issue: [] }, key('consents'), '1').kind).toBe('failed');
    const warning = {
      resourceType: 'Bundle',
      entry: [
        { resource: { resourceType: 'Consent', id: 'c' } },
        { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning' }] } },
      ],
    };
    expect(classifyPrefetch(warning, key('consents'), '1').kind).toBe('data');
    const paged = classifyPrefetch(
      { resourceType: 'Bundle', link: [{ relation: 'next', url: 'https://x/fhir/Consent?page=2' }] },
      key('consents'),
      '1',
    );
    expect(paged).toMatchObject({ kind: 'data', next: 'https://x/fhir/Consent?page=2' });
    expect(classifyPrefetch({ resourceType: 'Patient', id: '2' }, key('patient'), '1').kind).toBe('invalid');
    expect(classifyPrefetch({ resourceType: 'Observation', id: '1' }, key('patient'), '1').kind).toBe('invalid');
  });
});

describe('uuid v5', () => {
  it('matches the RFC test vector', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});
