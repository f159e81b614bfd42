import { describe, expect, it } from 'vitest';
import {
  clipSummary,
  MITIGATION_SYSTEM,
  OVERRIDE_REASON_SYSTEM,
  RED_FLAG_SYSTEM,
  toCards,
  type CardOptions,
} from '../../src/cds/cards.js';
import { cardSchema, cdsResponseSchema, serializeCdsResponse } from '../../src/cds/schemas.js';
import { uuidV5 } from '../../src/cds/uuid.js';
import type { Alert, WorkupReport } from '../../src/core/report.js';
import { validateR4 } from '../support/fhir-validator.js';

function alert(rule: string, severity: Alert['severity'], extra: Partial<Alert> = {}): Alert {
  const family = rule.split('.')[0] as Alert['family'];
  return {
    rule,
    version: '1',
    family,
    severity,
    summary: `Safeguarding review advised: ${rule}`,
    detail: `Facts for ${rule}.\n\n**Sources:** red-flags.md`,
    evidence: ['Patient/d1'],
    citations: ['red-flags.md'],
    actions: ['ethics-compliance-review'],
    audience: ['surgeon', 'compliance'],
    ...extra,
  };
}

function report(alerts: Alert[], notChecked: string[] = []): WorkupReport {
  return {
    donor: 'Patient/d1',
    recipient: 'Patient/r1',
    pathway: 'directed-related',
    status: notChecked.length > 0 ? 'incomplete' : 'complete',
    notChecked,
    highest: alerts[0]?.severity ?? 'none',
    alerts,
    surgeryBooked: true,
  };
}

const titles = new Map([
  ['consent.required-consent-missing', 'Signed donation consent or no-reward declaration missing'],
  ['relationship.claim-unverified', 'Claimed relationship not verified at source'],
]);

function options(r: WorkupReport, extra: Partial<CardOptions> = {}): CardOptions {
  return {
    report: r,
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    patientId: 'd1',
    ruleTitles: titles,
    publicBaseUrl: 'https://cds.example.org',
    uuid: (name) => uuidV5(name),
    reviewUrl: 'https://cds.example.org/review/d1?report=5b1b8c0e-6f8e-4d8a-9f5c-2a4d7f0e9c11',
    issuedAt: '2026-03-02T09:00:00.000Z',
    ...extra,
  };
}

describe('cards', () => {
  const mixed = report(
    [
      alert('consent.required-consent-missing', 'critical', {
        actions: ['refer-independent-advocate', 'ethics-compliance-review'],
      }),
      alert('relationship.claim-unverified', 'warning', { actions: ['verify-relationship'] }),
      alert('travel.donor-nonresident', 'warning', { audience: ['compliance'] }),
      alert('relationship.distant-or-recent-relationship', 'info'),
      alert('vulnerability.economic-hardship', 'info', { audience: ['compliance'] }),
    ],
    ['safeguarding questionnaire: none completed for this donor'],
  );

  it('one card per critical and surgeon warning; info folded into related cards; an incomplete card', () => {
    const cards = toCards(options(mixed));
    expect(cards.map((c) => [c.indicator, c.source.topic?.code ?? 'incomplete'])).toEqual([
      ['critical', 'consent.required-consent-missing'],
      ['warning', 'incomplete'],
      ['warning', 'relationship.claim-unverified'],
    ]);
    for (const card of cards) cardSchema.parse(card);
    // same family → related context; other families → the first card's general note
    expect(cards[2]?.detail).toMatch(/Related context:[\s\S]*relationship\.distant-or-recent-relationship/);
    expect(cards[0]?.detail).toMatch(
      /Other context from this screen:[\s\S]*travel\.donor-nonresident[\s\S]*vulnerability\.economic-hardship/,
    );
    expect(cards[1]?.summary).toMatch(
      /^Screen incomplete: 1 point not checked; the absence of an alert on it is not clearance$/,
    );
    expect(cards[1]?.detail).toContain('safeguarding questionnaire: none completed for this donor');
  });

  it('source, topic, override reasons with displays, suggestions with uuids and selectionBehavior', () => {
    const [card] = toCards(options(mixed));
    expect(card?.source).toEqual({
      label: 'DonorGuard',
      url: 'https://cds.example.org/rules/consent.required-consent-missing',
      topic: {
        system: RED_FLAG_SYSTEM,
        code: 'consent.required-consent-missing',
        display: 'Signed donation consent or no-reward declaration missing',
      },
    });
    expect(card?.overrideReasons?.every((r) => r.system === OVERRIDE_REASON_SYSTEM && r.display.length > 0)).toBe(true);
    expect(card?.selectionBehavior).toBe('at-most-one');
    expect(card?.suggestions?.map((s) => s.label)).toEqual([
      'Request an independent compliance review before surgery',
      'Refer to the independent advocate or assessor',
    ]);
    expect(card?.suggestions?.[0]?.isRecommended).toBe(true);
    expect(new Set(card?.suggestions?.map((s) => s.uuid)).size).toBe(2);
    const task = card?.suggestions?.[0]?.actions?.[0]?.resource as Record<string, unknown>;
    expect(task).toMatchObject({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      for: { reference: 'Patient/d1' },
      focus: { reference: 'Patient/d1' },
    });
    expect(JSON.stringify(task)).toContain(`"system":"${MITIGATION_SYSTEM}","code":"ethics-compliance-review"`);
    expect(card?.links).toEqual([
      { label: 'DonorGuard screening report for this donor', url: options(mixed).reviewUrl, type: 'absolute' },
    ]);
  });

  it('suggested resources are valid FHIR R4', () => {
    const cards = toCards(options(mixed, { kinshipTestUseful: true }));
    const resources = cards
      .flatMap((c) => c.suggestions ?? [])
      .flatMap((s) => s.actions ?? [])
      .map((a) => a.resource);
    expect(resources.map((r) => r?.resourceType).sort()).toEqual([
      'ServiceRequest',
      'ServiceRequest',
      'Task',
      'Task',
      'Task',
    ]);
    for (const resource of resources) expect(validateR4(resource ?? {}).errors).toEqual([]);
  });

  it('offers a kinship test only for relationship findings on a biological claim without a test result', () => {
    const labels = (useful: boolean) =>
      toCards(options(mixed, { kinshipTestUseful: useful }))[2]?.suggestions?.map((s) => s.label);
    expect(labels(true)).toContain('Order an accredited kinship DNA test');
    expect(labels(false)).not.toContain('Order an accredited kinship DNA test');
  });

  it('uuids are derived from hookInstance and rule: stable for a retry, different for another call', () => {
    const a = toCards(options(mixed)).map((c) => c.uuid);
    const b = toCards(options(mixed)).map((c) => c.uuid);
    const c = toCards(options(mixed, { hookInstance: 'another-call' })).map((x) => x.uuid);
    expect(a).toEqual(b);
    expect(a.some((u, i) => u === c[i])).toBe(false);
    expect(a[0]).toBe(uuidV5('d1577c69-dfbe-44ad-ba6d-3e05e953b2ea|consent.required-consent-missing'));
  });

  it('info only and complete: no cards; info only and incomplete: only the incomplete card, carrying the context', () => {
    expect(toCards(options(report([alert('travel.donor-nonresident', 'info')])))).toEqual([]);
    const cards = toCards(options(report([alert('travel.donor-nonresident', 'info')], ['x'])));
    expect(cards).toHaveLength(1);
    expect(cards[0]?.detail).toContain('travel.donor-nonresident');
  });

  it('clips summaries under 140 characters, escapes raw HTML, marks findings made on partial data', () => {
    const long = alert('consent.required-consent-missing', 'critical', {
      summary: 'x'.repeat(200),
      detail: 'Name <img src=x onerror=alert(1)>',
    });
    const [card] = toCards(
      options(report([long], ['consents: not checked']), { dataGaps: ['donation consent (Consent)'] }),
    );
    expect(card?.summary.length).toBeLessThan(140);
    expect(card?.detail).not.toContain('<img');
    expect(card?.detail).toContain('&lt;img');
    expect(card?.detail).toMatch(/Screened on partial data/);
    expect(clipSummary('a\n  b')).toBe('a b');
  });

  it('serialises to a response with no null, empty string, empty array or empty object', () => {
    const text = serializeCdsResponse({ cards: toCards(options(mixed)) });
    expect(text).not.toMatch(/null|""|\[\]|\{\}/);
    cdsResponseSchema.parse(JSON.parse(text));
    expect(serializeCdsResponse({ cards: [] })).toBe('{"cards":[]}');
  });
});
