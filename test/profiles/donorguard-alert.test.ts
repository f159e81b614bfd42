import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_RESOURCES_DIR, validateR4 } from '../support/fhir-validator.js';

const BASE = 'http://donorguard.org/fhir';
const ALERT = `${BASE}/StructureDefinition/donorguard-alert`;
const TASK = `${BASE}/StructureDefinition/compliance-review-task`;

/** Warnings that only say the lead's red-flag CodeSystem is not generated yet. */
const notYetGenerated = (warning: string): boolean => /CodeSystem \S+\/red-flag is not available/.test(warning);

const readGenerated = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(GENERATED_RESOURCES_DIR, file), 'utf8')) as Record<string, unknown>;

/** A conforming alert, written the way the engine emits one. */
function alert(): Record<string, unknown> {
  return {
    resourceType: 'DetectedIssue',
    meta: {
      security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
    },
    extension: [{ url: `${BASE}/StructureDefinition/rule-version`, valueString: '3' }],
    identifier: [{ system: `${BASE}/alert-id`, value: 'payment.third-party-payer:Patient/d1' }],
    status: 'preliminary',
    code: { coding: [{ system: `${BASE}/CodeSystem/red-flag`, code: 'payment.third-party-payer' }] },
    severity: 'high',
    patient: { reference: 'Patient/d1' },
    identifiedDateTime: '2025-01-31T12:00:00+01:00',
    implicated: [{ reference: 'Coverage/c1' }, { reference: 'Organization/agency' }],
    evidence: [{ detail: [{ reference: 'Coverage/c1' }] }],
    detail:
      'The donor’s coverage is paid by an organisation that is neither the donor, the recipient nor the programme.',
    reference: `${BASE}/rules/payment.third-party-payer`,
    mitigation: [
      {
        action: { coding: [{ system: `${BASE}/CodeSystem/mitigation`, code: 'review-finances' }] },
        date: '2025-02-01',
      },
    ],
  };
}

function without(resource: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = structuredClone(resource);
  delete copy[key];
  return copy;
}

describe('profile donorguard-alert', () => {
  it('accepts the generated example and a conforming alert', () => {
    const example = validateR4(readGenerated('DetectedIssue-donorguard-alert-example.json'), ALERT);
    expect(example.errors).toEqual([]);
    expect(example.warnings.filter((w) => !notYetGenerated(w))).toEqual([]);
    expect(validateR4(alert(), ALERT).errors).toEqual([]);
    for (const status of ['final', 'cancelled']) expect(validateR4({ ...alert(), status }, ALERT).errors).toEqual([]);
    // An EHR may add its own identifiers next to the stable finding id.
    const withEhrId = alert();
    (withEhrId.identifier as unknown[]).push({ system: 'urn:oid:1.2.3', value: '42' });
    expect(validateR4(withEhrId, ALERT).errors).toEqual([]);
  });

  it('applies the profile named in meta.profile', () => {
    const tagged = { ...without(alert(), 'patient'), meta: { profile: [ALERT] } };
    expect(validateR4(tagged).errors).toContain('DetectedIssue.patient: Missing required property');
  });

  it('rejects an alert without patient', () => {
    expect(validateR4(without(alert(), 'patient'), ALERT).errors).toEqual([
      'DetectedIssue.patient: Missing required property',
    ]);
  });

  it('rejects a code outside our systems', () => {
    const foreign = { ...alert(), code: { coding: [{ system: 'http://example.org/flags', code: 'payment' }] } };
    expect(validateR4(foreign, ALERT).errors).toEqual([
      `DetectedIssue.code: No coding from the required ValueSet ${BASE}/ValueSet/red-flag`,
    ]);
    const textOnly = { ...alert(), code: { text: 'third-party payer' } };
    expect(validateR4(textOnly, ALERT).errors).toEqual([
      `DetectedIssue.code: No coding from the required ValueSet ${BASE}/ValueSet/red-flag`,
    ]);
  });

  it('rejects a code that does not exist in one of our CodeSystems', () => {
    const wrongAction = alert();
    wrongAction.mitigation = [{ action: { coding: [{ system: `${BASE}/CodeSystem/mitigation`, code: 'deport' }] } }];
    expect(validateR4(wrongAction, ALERT).errors).toEqual([
      `DetectedIssue.mitigation[0].action.coding[0]: Code "deport" not found in CodeSystem ${BASE}/CodeSystem/mitigation`,
    ]);
    const unknownSystem = { ...alert(), code: { coding: [{ system: `${BASE}/CodeSystem/red-flags`, code: 'x' }] } };
    expect(validateR4(unknownSystem, ALERT).errors).toContain(
      `DetectedIssue.code.coding[0]: Unknown DonorGuard CodeSystem ${BASE}/CodeSystem/red-flags`,
    );
  });

  it('rejects a bad severity, also without the profile', () => {
    const expected =
      'DetectedIssue.severity: Value "catastrophic" is not in the required ValueSet http://hl7.org/fhir/ValueSet/detectedissue-severity|4.0.1 (high, moderate, low)';
    expect(validateR4({ ...alert(), severity: 'catastrophic' }, ALERT).errors).toEqual([expected]);
    expect(validateR4({ ...alert(), severity: 'catastrophic' }).errors).toEqual([expected]);
    expect(validateR4(without(alert(), 'severity'), ALERT).errors).toEqual([
      'DetectedIssue.severity: Missing required property',
    ]);
  });

  it('allows only preliminary, final and cancelled as status', () => {
    expect(validateR4({ ...alert(), status: 'amended' }, ALERT).errors).toEqual([
      `DetectedIssue.status: Value "amended" is not in the required ValueSet ${BASE}/ValueSet/alert-status (preliminary, final, cancelled)`,
    ]);
    // Base R4 allows amended, but not an invented status.
    expect(validateR4({ ...alert(), status: 'amended' }).errors).toEqual([]);
    expect(validateR4({ ...alert(), status: 'open' }).errors).toEqual([
      'DetectedIssue.status: Value "open" is not in the required ValueSet http://hl7.org/fhir/ValueSet/observation-status|4.0.1 (registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown)',
    ]);
  });

  it('requires the stable finding id, the summary and identifiedDateTime', () => {
    const noAlertId = { ...alert(), identifier: [{ system: 'urn:oid:1.2.3', value: '42' }] };
    expect(validateR4(noAlertId, ALERT).errors).toEqual([
      "DetectedIssue.identifier: Incorrect number of values provided for slice 'alertId': expected 1..1, but found 0",
    ]);
    expect(validateR4(without(alert(), 'detail'), ALERT).errors).toEqual([
      'DetectedIssue.detail: Missing required property',
    ]);
    const period = { ...without(alert(), 'identifiedDateTime'), identifiedPeriod: { start: '2025-01-31' } };
    expect(validateR4(period, ALERT).errors).toEqual([
      'DetectedIssue.identifiedPeriod: Type Period is not allowed for DetectedIssue.identified[x] (allowed: dateTime)',
    ]);
    expect(validateR4(period).errors).toEqual([]);
  });
});

describe('profile compliance-review-task', () => {
  function task(): Record<string, unknown> {
    return {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: `${BASE}/CodeSystem/mitigation`, code: 'verify-relationship' }] },
      focus: { reference: 'DetectedIssue/a1' },
      for: { reference: 'Patient/d1' },
      authoredOn: '2025-01-31T12:00:00Z',
    };
  }

  it('accepts the generated example and a conforming task', () => {
    expect(validateR4(readGenerated('Task-compliance-review-task-example.json'), TASK)).toEqual({
      errors: [],
      warnings: [],
    });
    expect(validateR4(task(), TASK).errors).toEqual([]);
  });

  it('rejects a task that is not an order, has no focus, or asks for an action outside mitigation', () => {
    expect(validateR4({ ...task(), intent: 'plan' }, TASK).errors.join('\n')).toMatch(/^Task\.intent: /);
    expect(validateR4(without(task(), 'focus'), TASK).errors).toEqual(['Task.focus: Missing required property']);
    const otherCode = {
      ...task(),
      code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
    };
    expect(validateR4(otherCode, TASK).errors).toEqual([
      `Task.code: No coding from the required ValueSet ${BASE}/ValueSet/mitigation`,
    ]);
  });

  it('checks Task.status and Task.intent against the R4 expansions, also without the profile', () => {
    expect(validateR4({ ...task(), status: 'nope', intent: 'nope' }).errors).toEqual([
      'Task.status: Value "nope" is not in the required ValueSet http://hl7.org/fhir/ValueSet/task-status|4.0.1 (draft, requested, received, accepted, rejected, ready, cancelled, in-progress, on-hold, failed, completed, entered-in-error)',
      'Task.intent: Value "nope" is not in the required ValueSet http://hl7.org/fhir/ValueSet/task-intent|4.0.1 (unknown, proposal, plan, order, original-order, reflex-order, filler-order, instance-order, option)',
    ]);
  });
});

describe('validateR4', () => {
  it('refuses a profile that is not ours', () => {
    expect(() => validateR4(alert(), 'http://example.org/StructureDefinition/x')).toThrow(/Unknown profile/);
  });

  it('checks required bindings inside Bundle entries', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:1f4e0b7e-9a0c-4a57-9d1e-6a4d3e3b2c11', resource: { ...alert(), severity: 'severe' } },
      ],
    };
    expect(validateR4(bundle).errors).toContain(
      'Bundle.entry[0].resource.severity: Value "severe" is not in the required ValueSet http://hl7.org/fhir/ValueSet/detectedissue-severity|4.0.1 (high, moderate, low)',
    );
  });
});
