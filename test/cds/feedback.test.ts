import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEEDBACK_KEY_SYSTEM, feedbackKey, type AuditStore } from '../../src/cds/feedback.js';
import { cdsResponseSchema, feedbackResponseSchema, operationOutcomeSchema, type Card } from '../../src/cds/schemas.js';
import { validateR4 } from '../support/fhir-validator.js';
import { donorId, patientView, postJson, startService, type RunningService } from './support.js';

let svc: RunningService;
let cards: Card[];
const FEEDBACK = () => `${svc.url}/cds-services/donorguard-patient-view/feedback`;

beforeAll(async () => {
  svc = await startService({ examples: ['08-'] });
  const res = await postJson(
    `${svc.url}/cds-services/donorguard-patient-view`,
    patientView(donorId(svc, '08-'), { fhirServer: svc.fhirUrl }),
  );
  cards = cdsResponseSchema.parse(res.json).cards;
});
afterAll(async () => {
  await svc?.close();
});

async function auditEventsFor(card: string, outcome: 'accepted' | 'overridden'): Promise<AuditEvent[]> {
  const key = feedbackKey({ card, outcome });
  const res = await fetch(`${svc.fhirUrl}/AuditEvent?_tag=${encodeURIComponent(`${key.system}|${key.code}`)}`);
  const bundle = (await res.json()) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as AuditEvent);
}

describe('feedback', () => {
  it('stores an override once as an AuditEvent, however often it is sent', async () => {
    const card = cards.find((c) => c.indicator === 'critical');
    expect(card?.uuid).toBeTruthy();
    const item = {
      card: card?.uuid,
      outcome: 'overridden',
      overrideReason: {
        reason: { code: 'reviewed-by-compliance', system: 'http://donorguard.org/fhir/CodeSystem/override-reason' },
        userComment: 'Cleared at the ethics meeting',
      },
      outcomeTimestamp: '2026-03-02T10:15:00Z',
    };
    const first = await postJson(FEEDBACK(), { feedback: [item] });
    expect(first.status).toBe(200);
    expect(feedbackResponseSchema.parse(first.json)).toEqual({ received: 1, stored: 1, alreadyStored: 0 });
    const second = await postJson(FEEDBACK(), { feedback: [item] });
    expect(second.status).toBe(200);
    expect(feedbackResponseSchema.parse(second.json)).toEqual({ received: 1, stored: 0, alreadyStored: 1 });

    const events = await auditEventsFor(card?.uuid ?? '', 'overridden');
    expect(events).toHaveLength(1);
    const event = events[0] as AuditEvent;
    expect(event.meta?.tag?.[0]?.system).toBe(FEEDBACK_KEY_SYSTEM);
    expect(event.agent.find((a) => a.requestor)?.who?.reference).toBe('Practitioner/test-surgeon');
    expect(event.entity?.[0]?.what?.reference).toBe(`Patient/${donorId(svc, '08-')}`);
    const details = Object.fromEntries((event.entity?.[1]?.detail ?? []).map((d) => [d.type, d.valueString]));
    expect(details).toMatchObject({
      outcome: 'overridden',
      topic: card?.source.topic?.code,
      overrideReason: 'http://donorguard.org/fhir/CodeSystem/override-reason|reviewed-by-compliance',
      userComment: 'Cleared at the ethics meeting',
    });
    // Valid R4 apart from our own CodeSystems for the event type and outcome, which profiles/ does not publish yet.
    const { errors } = validateR4(event);
    expect(errors.filter((e) => !/audit-event-type|cds-feedback-outcome/.test(e))).toEqual([]);
  });

  it('identical items in one post, and accepted next to overridden, are stored once each', async () => {
    const card = cards[1];
    const accepted = {
      card: card?.uuid,
      outcome: 'accepted',
      acceptedSuggestions: [{ id: card?.suggestions?.[0]?.uuid }],
      outcomeTimestamp: '2026-03-02T10:20:00+01:00',
    };
    const res = await postJson(FEEDBACK(), { feedback: [accepted, accepted] });
    expect(res.status).toBe(200);
    expect(feedbackResponseSchema.parse(res.json)).toEqual({ received: 2, stored: 1, alreadyStored: 1 });
    const overridden = { card: card?.uuid, outcome: 'overridden', outcomeTimestamp: '2026-03-02T10:25:00Z' };
    expect(feedbackResponseSchema.parse((await postJson(FEEDBACK(), { feedback: [overridden] })).json).stored).toBe(1);
    expect(await auditEventsFor(card?.uuid ?? '', 'accepted')).toHaveLength(1);
    expect(await auditEventsFor(card?.uuid ?? '', 'overridden')).toHaveLength(1);
  });

  it('feedback for a card this instance did not issue is still stored, with what is known', async () => {
    const uuid = '3f1d7c2e-9a4b-5c6d-8e7f-0a1b2c3d4e5f';
    const res = await postJson(FEEDBACK(), {
      feedback: [{ card: uuid, outcome: 'overridden', outcomeTimestamp: '2026-03-02T11:00:00Z' }],
    });
    expect(res.status).toBe(200);
    const [event] = await auditEventsFor(uuid, 'overridden');
    expect(event?.entity?.[0]?.what?.identifier?.value).toBe(`urn:uuid:${uuid}`);
  });

  it.each([
    [
      'accepted without acceptedSuggestions',
      { feedback: [{ card: 'c', outcome: 'accepted', outcomeTimestamp: '2026-03-02T10:00:00Z' }] },
      'feedback[0].acceptedSuggestions',
    ],
    [
      'an unknown outcome',
      { feedback: [{ card: 'c', outcome: 'ignored', outcomeTimestamp: '2026-03-02T10:00:00Z' }] },
      'feedback[0].outcome',
    ],
    [
      'a timestamp without time zone',
      { feedback: [{ card: 'c', outcome: 'overridden', outcomeTimestamp: '2026-03-02 10:00' }] },
      'feedback[0].outcomeTimestamp',
    ],
    ['no feedback items', { feedback: [] }, 'feedback'],
  ])('400 naming the field: %s', async (_name, body, field) => {
    const res = await postJson(FEEDBACK(), body);
    expect(res.status).toBe(400);
    expect(operationOutcomeSchema.parse(res.json).issue.flatMap((i) => i.expression ?? [])).toContain(field);
  });

  it('404 for feedback to an unknown service', async () => {
    const res = await postJson(`${svc.url}/cds-services/nope/feedback`, { feedback: [] });
    expect(res.status).toBe(404);
    operationOutcomeSchema.parse(res.json);
  });
});

describe('feedback when the FHIR server cannot store it', () => {
  it('503 with an OperationOutcome, so the client sends it again', async () => {
    const failing: AuditStore = { storeOnce: () => Promise.reject(new Error('HTTP 500')) };
    const broken = await startService({ embedded: false, auditStore: failing });
    try {
      const res = await postJson(`${broken.url}/cds-services/donorguard-order-sign/feedback`, {
        feedback: [{ card: 'c', outcome: 'overridden', outcomeTimestamp: '2026-03-02T10:00:00Z' }],
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(operationOutcomeSchema.parse(res.json).issue[0]?.code).toBe('transient');
    } finally {
      await broken.close();
    }
  });
});
