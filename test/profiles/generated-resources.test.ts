import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_RESOURCES_DIR, loadOurCodeSystems, validateR4 } from '../support/fhir-validator.js';

const BASE = 'http://donorguard.org/fhir';

interface Generated {
  file: string;
  resource: Record<string, unknown> & { resourceType: string; id?: string; url?: string };
}

const generated: Generated[] = readdirSync(GENERATED_RESOURCES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    resource: JSON.parse(readFileSync(join(GENERATED_RESOURCES_DIR, file), 'utf8')) as Generated['resource'],
  }));

const byUrl = new Map(
  generated.flatMap(({ resource }) => (resource.url === undefined ? [] : [[resource.url, resource]])),
);

/** Warnings that only say the lead's red-flag CodeSystem is not generated yet. */
const notYetGenerated = (warning: string): boolean => /CodeSystem \S+\/red-flag is not available/.test(warning);

/** The CodeSystems of the input contract (workup-in-fhir.md) and the codes each must define. */
const EXPECTED_CODESYSTEMS: Record<string, string[]> = {
  workup: [
    'living-donor-evaluation',
    'living-donor-nephrectomy',
    'living-donor-hepatectomy',
    'hla-haplotypes-shared',
    'kinship-test-result',
    'consistent',
    'excluded',
    'inconclusive',
    'living-organ-donation',
    'medical-interpreter',
    'entry-to-country',
    'visa-type',
    'post-donation-follow-up',
    'immigration-status',
    'donor-expense-reimbursement',
    'facilitator-agency',
    'exchange-programme',
    'charity',
    'donor-hostel',
  ],
  'evaluation-type': [
    'psychosocial',
    'independent-advocate',
    'independent-assessor',
    'authorisation-committee',
    'medical',
    'consent-discussion',
    'donor-education',
  ],
  'evidence-type': [
    'birth-certificate',
    'marriage-certificate',
    'household-registration',
    'court-document',
    'affidavit',
    'embassy-certification',
    'photographs',
    'kinship-dna-test',
    'identity-document',
    'no-reward-declaration',
    'signed-donation-consent',
    'independent-assessor-report',
    'advocate-report',
    'regulator-approval',
    'committee-approval',
    'exchange-match-offer',
    'disclosure-preference',
  ],
  'donation-pathway': ['directed-related', 'directed-unrelated', 'non-directed', 'paired-exchange'],
  'expense-type': ['travel', 'lodging', 'lost-income', 'medical', 'lump-sum'],
  mitigation: [
    'refer-independent-advocate',
    'interview-donor-alone',
    'verify-relationship',
    'verify-identity',
    'review-finances',
    'extend-evaluation',
    'psychosocial-reassessment',
    'confirm-follow-up-plan',
    'offer-confidential-exit',
    'ethics-compliance-review',
    'notify-authority',
  ],
  'how-met': [
    'family',
    'long-standing-friendship',
    'workplace',
    'social-media',
    'online-matching-site',
    'introduced-by-third-party',
    'other',
  ],
  'arranged-by': ['self', 'recipient-or-family', 'programme', 'third-party', 'not-applicable'],
  // Emitted by the CDS Hooks service (card override reasons, the feedback AuditEvent).
  'override-reason': [
    'relationship-verified-by-assessor',
    'reimbursement-itemised',
    'reviewed-by-compliance',
    'interpreter-independent-confirmed',
    'not-applicable',
  ],
  'audit-event-type': ['cds-feedback'],
  'cds-feedback-outcome': ['accepted', 'overridden'],
};
/** CodeSystems whose codes only DonorGuard's own output uses: no "all codes" ValueSet is needed for binding. */
const OUTPUT_ONLY = new Set(['audit-event-type', 'cds-feedback-outcome']);

describe('generated FHIR resources (profiles/fsh-generated/resources)', () => {
  it('exist', () => {
    expect(generated.length).toBeGreaterThan(20);
  });

  it.each(generated.map((g) => [g.file, g.resource] as const))('%s is valid FHIR R4', (_file, resource) => {
    const result = validateR4(resource);
    expect(result.errors).toEqual([]);
    expect(result.warnings.filter((w) => !notYetGenerated(w))).toEqual([]);
  });

  it('use the canonical base and are active', () => {
    for (const { file, resource } of generated) {
      if (resource.url !== undefined) {
        expect(resource.url, file).toBe(`${BASE}/${resource.resourceType}/${String(resource.id)}`);
      }
      if (['CodeSystem', 'ValueSet', 'StructureDefinition', 'Questionnaire'].includes(resource.resourceType)) {
        expect(resource.status, file).toBe('active');
        expect(resource.title, file).toEqual(expect.any(String));
        expect(resource.description, file).toEqual(expect.any(String));
      }
    }
  });

  it("define exactly the contract's and the service's CodeSystems and codes, complete and case-sensitive", () => {
    const codeSystems = generated.filter((g) => g.resource.resourceType === 'CodeSystem').map((g) => g.resource);
    expect(codeSystems.map((cs) => cs.id).sort()).toEqual(Object.keys(EXPECTED_CODESYSTEMS).sort());
    for (const cs of codeSystems) {
      expect(cs.caseSensitive, String(cs.id)).toBe(true);
      expect(cs.content, String(cs.id)).toBe('complete');
    }
    const loaded = loadOurCodeSystems();
    for (const [id, codes] of Object.entries(EXPECTED_CODESYSTEMS)) {
      expect([...(loaded.get(`${BASE}/CodeSystem/${id}`) ?? [])].sort(), id).toEqual([...codes].sort());
    }
  });

  it('do not define the red-flag CodeSystem (the lead generates it from the rules)', () => {
    expect(byUrl.has(`${BASE}/CodeSystem/red-flag`)).toBe(false);
  });

  it('have a ValueSet with all codes of each CodeSystem, and a red-flag ValueSet', () => {
    for (const id of [...Object.keys(EXPECTED_CODESYSTEMS).filter((c) => !OUTPUT_ONLY.has(c)), 'red-flag']) {
      const vs = byUrl.get(`${BASE}/ValueSet/${id}`);
      expect(vs, id).toBeDefined();
      expect(vs?.compose, id).toEqual({ include: [{ system: `${BASE}/CodeSystem/${id}` }] });
    }
  });

  it('define the EpisodeOfCare extensions of the contract', () => {
    const recipient = byUrl.get(`${BASE}/StructureDefinition/intended-recipient`) as Record<string, unknown>;
    const pathway = byUrl.get(`${BASE}/StructureDefinition/donation-pathway`) as Record<string, unknown>;
    for (const sd of [recipient, pathway]) {
      expect(sd.type).toBe('Extension');
      expect(sd.context).toEqual([{ type: 'element', expression: 'EpisodeOfCare' }]);
    }
    const valueOf = (sd: Record<string, unknown>) =>
      (sd.snapshot as { element: { id: string; type?: unknown; binding?: unknown }[] }).element.find(
        (e) => e.id === 'Extension.value[x]',
      );
    expect(valueOf(recipient)?.type).toEqual([
      { code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'] },
    ]);
    expect(valueOf(pathway)?.type).toEqual([{ code: 'Coding' }]);
    expect(valueOf(pathway)?.binding).toEqual({ strength: 'required', valueSet: `${BASE}/ValueSet/donation-pathway` });
  });

  it('accept an EpisodeOfCare that uses the extensions, and reject an unknown pathway code', () => {
    const episode = {
      resourceType: 'EpisodeOfCare',
      status: 'active',
      patient: { reference: 'Patient/donor' },
      type: [{ coding: [{ system: `${BASE}/CodeSystem/workup`, code: 'living-donor-evaluation' }] }],
      extension: [
        { url: `${BASE}/StructureDefinition/intended-recipient`, valueReference: { reference: 'Patient/recipient' } },
        {
          url: `${BASE}/StructureDefinition/donation-pathway`,
          valueCoding: { system: `${BASE}/CodeSystem/donation-pathway`, code: 'directed-related' },
        },
      ],
    };
    expect(validateR4(episode).errors).toEqual([]);
    const bad = structuredClone(episode);
    bad.extension[1] = {
      url: `${BASE}/StructureDefinition/donation-pathway`,
      valueCoding: { system: `${BASE}/CodeSystem/donation-pathway`, code: 'sold' },
    };
    expect(validateR4(bad).errors).toContain(
      `EpisodeOfCare.extension[1].valueCoding: Code "sold" not found in CodeSystem ${BASE}/CodeSystem/donation-pathway`,
    );
    bad.extension[1] = {
      url: `${BASE}/StructureDefinition/donation-pathway`,
      valueCoding: { system: 'http://snomed.info/sct', code: '105462002' },
    };
    expect(validateR4(bad).errors).toEqual([
      `EpisodeOfCare.extension[1].valueCoding: Coding http://snomed.info/sct#105462002 is not in the required ValueSet ${BASE}/ValueSet/donation-pathway`,
    ]);
  });
});
