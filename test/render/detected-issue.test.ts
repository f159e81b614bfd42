import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toDetectedIssueBundle } from '../../src/core/render/detected-issue.js';
import { toReport } from '../../src/core/screen.js';
import type { Bundle, DetectedIssue } from 'fhir/r4.js';
import { RULES_DIR, rules, screenFile } from '../support/engine.js';
import { validateR4 } from '../support/fhir-validator.js';

const PROFILE = 'http://donorguard.org/fhir/StructureDefinition/donorguard-alert';

function positiveFixtures(): string[] {
  const out: string[] = [];
  for (const rule of readdirSync(RULES_DIR).filter((n) => n.includes('.')).sort()) {
    const dir = join(RULES_DIR, rule, 'fixtures');
    try {
      for (const f of readdirSync(dir).filter((n) => n.startsWith('positive-')).sort()) out.push(join(dir, f));
    } catch {
      /* a rule without fixtures fails in the rule runner */
    }
  }
  return out;
}

async function fhirOutput(file: string): Promise<Bundle> {
  const screened = await screenFile(file);
  const { ruleset } = await rules();
  return toDetectedIssueBundle(toReport('2026-03-02', ruleset, screened.map((s) => s.report)));
}

describe('--format fhir: DetectedIssue alerts', () => {
  it('every alert from every positive fixture is valid R4 and conforms to the donorguard-alert profile', async () => {
    let checked = 0;
    for (const file of positiveFixtures()) {
      const bundle = await fhirOutput(file);
      expect(validateR4(bundle).errors, file).toEqual([]);
      for (const entry of bundle.entry ?? []) {
        const result = validateR4(entry.resource as object, PROFILE);
        expect(result.errors, `${file}: ${(entry.resource as DetectedIssue).code?.coding?.[0]?.code}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('maps severity, names the donor and the evidence, and is marked restricted', async () => {
    const file = join(RULES_DIR, 'payment.third-party-payer', 'fixtures', 'positive-agency-pays-lodging.json');
    const issue = (await fhirOutput(file)).entry?.map((e) => e.resource as DetectedIssue).find((d) => d.code?.coding?.[0]?.code === 'payment.third-party-payer');
    expect(issue).toMatchObject({
      status: 'preliminary',
      severity: 'moderate',
      patient: { reference: 'urn:uuid:6f1c2a54-0d7e-4c55-9a53-1b1f0d1e0001' },
      identifiedDateTime: '2026-03-02',
      meta: { security: [{ code: 'R' }] },
    });
    expect(issue?.implicated?.map((r) => r.reference)).toContain('urn:uuid:6f1c2a54-0d7e-4c55-9a53-1b1f0d1e0004');
  });

  it('gives the same identifier to the same finding on every re-screen', async () => {
    const file = join(RULES_DIR, 'payment.third-party-payer', 'fixtures', 'positive-agency-pays-lodging.json');
    const ids = async () => (await fhirOutput(file)).entry?.map((e) => (e.resource as DetectedIssue).identifier?.[0]?.value);
    expect(await ids()).toEqual(await ids());
  });
});
