import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_RESOURCES_DIR, loadOurCodeSystems, validateR4 } from '../support/fhir-validator.js';

const BASE = 'http://donorguard.org/fhir';
const RED_FLAG = `${BASE}/CodeSystem/red-flag`;

interface Item {
  linkId: string;
  text?: string;
  type: string;
  required?: boolean;
  code?: { system?: string; code?: string }[];
  answerValueSet?: string;
  enableWhen?: { question: string; operator: string; answerBoolean?: boolean; answerCoding?: { code?: string } }[];
  enableBehavior?: string;
  extension?: { url: string; valueCode?: string }[];
  item?: Item[];
}

const questionnaire = JSON.parse(
  readFileSync(join(GENERATED_RESOURCES_DIR, 'Questionnaire-living-donor-safeguarding.json'), 'utf8'),
) as { resourceType: string; url: string; status: string; subjectType?: string[]; item: Item[] };

/** The contract table (workup-in-fhir.md "The safeguarding questionnaire"): linkId -> answer kind. */
const CONTRACT: [string, 'boolean' | 'string' | 'how-met' | 'arranged-by' | 'reference'][] = [
  ['interviewed-alone', 'boolean'],
  ['interpreter-used', 'boolean'],
  ['interpreter-independent', 'boolean'],
  ['how-met', 'how-met'],
  ['how-met-details', 'string'],
  ['can-describe-relationship', 'boolean'],
  ['relationship-account-consistent', 'boolean'],
  ['travel-arranged-by', 'arranged-by'],
  ['travel-arranged-by-whom', 'reference'],
  ['lodging-arranged-by', 'arranged-by'],
  ['reward-offered', 'boolean'],
  ['reward-details', 'string'],
  ['no-reward-declaration-signed', 'boolean'],
  ['documents-in-own-possession', 'boolean'],
  ['companion-speaks-for-donor', 'boolean'],
  ['signs-of-control', 'boolean'],
  ['coached-responses-suspected', 'boolean'],
  ['understands-purpose', 'boolean'],
  ['understands-risks', 'boolean'],
  ['knows-right-to-withdraw', 'boolean'],
  ['misconceptions-noted', 'boolean'],
  ['ambivalent-or-wishes-to-withdraw', 'boolean'],
  ['next-of-kin-aware', 'boolean'],
  ['stated-age-consistent', 'boolean'],
  ['pre-testing-arranged-by-third-party', 'boolean'],
  ['declined-elsewhere', 'boolean'],
  ['assessor-comment', 'string'],
];

/** The indicator each item feeds, where the brief fixes it. */
const INDICATORS: Record<string, string> = {
  'interviewed-alone': 'consent.not-interviewed-separately',
  'interpreter-independent': 'process.interpreter-not-independent',
  'reward-offered': 'payment.reward-offered-or-received',
  'travel-arranged-by': 'travel.arranged-by-third-party',
  'documents-in-own-possession': 'travel.identity-documents-held-by-other',
  'ambivalent-or-wishes-to-withdraw': 'consent.ambivalence-or-withdrawal-signal',
  'stated-age-consistent': 'consent.donor-minor-or-age-disputed',
  'how-met': 'relationship.distant-or-recent-relationship',
  'can-describe-relationship': 'relationship.cannot-describe-relationship',
  'signs-of-control': 'vulnerability.signs-of-control',
  'companion-speaks-for-donor': 'intermediary.companion-speaks-for-donor',
  'coached-responses-suspected': 'intermediary.coached-responses',
  'understands-purpose': 'consent.limited-understanding-documented',
  'understands-risks': 'vulnerability.misconception-or-low-literacy',
  'misconceptions-noted': 'vulnerability.misconception-or-low-literacy',
  'next-of-kin-aware': 'relationship.next-of-kin-unaware',
  'pre-testing-arranged-by-third-party': 'process.external-pre-testing-arranged',
  'declined-elsewhere': 'process.prior-decline-or-center-switch',
  'lodging-arranged-by': 'travel.lodging-arranged-or-shared',
  'no-reward-declaration-signed': 'consent.required-consent-missing',
};

const items = questionnaire.item;
const byLinkId = new Map(items.map((item) => [item.linkId, item]));

describe('Questionnaire living-donor-safeguarding', () => {
  it('is the published questionnaire of the contract', () => {
    expect(questionnaire.resourceType).toBe('Questionnaire');
    expect(questionnaire.url).toBe(`${BASE}/Questionnaire/living-donor-safeguarding`);
    expect(questionnaire.status).toBe('active');
    expect(questionnaire.subjectType).toEqual(['Patient']);
  });

  it('has exactly the contract linkIds, flat, in the contract order', () => {
    expect(items.map((item) => item.linkId)).toEqual(CONTRACT.map(([linkId]) => linkId));
    expect(items.every((item) => item.item === undefined)).toBe(true);
  });

  it.each(CONTRACT)('%s has answer type %s', (linkId, kind) => {
    const item = byLinkId.get(linkId);
    expect(item?.text).toEqual(expect.stringMatching(/\w{3,}/));
    switch (kind) {
      case 'boolean':
        expect(item?.type).toBe('boolean');
        break;
      case 'string':
        expect(['string', 'text']).toContain(item?.type);
        break;
      case 'reference':
        expect(item?.type).toBe('reference');
        expect(item?.extension?.map((e) => e.valueCode)).toEqual(['RelatedPerson', 'Practitioner', 'Organization']);
        break;
      case 'how-met':
      case 'arranged-by':
        expect(item?.type).toBe('choice');
        expect(item?.answerValueSet).toBe(`${BASE}/ValueSet/${kind}`);
        break;
    }
  });

  it('asks nothing as required: an unanswered question is "not checked", not "no"', () => {
    expect(items.filter((item) => item.required === true)).toEqual([]);
  });

  it('names the red-flag indicator each item feeds', () => {
    for (const item of items) {
      if (item.linkId === 'assessor-comment') continue;
      expect(item.code?.length, item.linkId).toBeGreaterThan(0);
      for (const coding of item.code ?? []) {
        expect(coding.system, item.linkId).toBe(RED_FLAG);
        expect(coding.code, item.linkId).toMatch(
          /^(consent|relationship|document|travel|payment|vulnerability|process|intermediary|network)\.[a-z-]+$/,
        );
      }
    }
    for (const [linkId, indicator] of Object.entries(INDICATORS)) {
      expect(
        byLinkId.get(linkId)?.code?.map((c) => c.code),
        linkId,
      ).toContain(indicator);
    }
  });

  it('uses red-flag codes the rules define, once CodeSystem/red-flag is generated', () => {
    const redFlags = loadOurCodeSystems().get(RED_FLAG);
    if (redFlags === undefined) return; // profiles/generated/ not built yet: the validator warns instead
    for (const item of items) {
      for (const coding of item.code ?? []) expect(redFlags.has(String(coding.code)), item.linkId).toBe(true);
    }
  });

  it('enables follow-up questions only when they apply', () => {
    expect(byLinkId.get('interpreter-independent')?.enableWhen).toEqual([
      { question: 'interpreter-used', operator: '=', answerBoolean: true },
    ]);
    expect(byLinkId.get('reward-details')?.enableWhen).toEqual([
      { question: 'reward-offered', operator: '=', answerBoolean: true },
    ]);
    const whom = byLinkId.get('travel-arranged-by-whom');
    expect(whom?.enableBehavior).toBe('any');
    expect(whom?.enableWhen?.map((e) => [e.question, e.operator, e.answerCoding?.code])).toEqual([
      ['travel-arranged-by', '=', 'third-party'],
      ['travel-arranged-by', '=', 'recipient-or-family'],
    ]);
    // Every enableWhen points back at an earlier item.
    items.forEach((item, index) => {
      for (const condition of item.enableWhen ?? []) {
        const target = items.findIndex((other) => other.linkId === condition.question);
        expect(target, `${item.linkId} -> ${condition.question}`).toBeGreaterThanOrEqual(0);
        expect(target).toBeLessThan(index);
      }
    });
  });

  it('validates, and so does a QuestionnaireResponse that answers every item', () => {
    const result = validateR4(questionnaire);
    expect(result.errors).toEqual([]);
    const answer = (linkId: string, kind: (typeof CONTRACT)[number][1]): Record<string, unknown> => {
      switch (kind) {
        case 'boolean':
          return { valueBoolean: linkId !== 'reward-offered' };
        case 'string':
          return { valueString: 'Seen alone with a professional interpreter.' };
        case 'reference':
          return { valueReference: { reference: 'RelatedPerson/companion' } };
        case 'how-met':
          return { valueCoding: { system: `${BASE}/CodeSystem/how-met`, code: 'family' } };
        case 'arranged-by':
          return { valueCoding: { system: `${BASE}/CodeSystem/arranged-by`, code: 'self' } };
      }
    };
    const response = {
      resourceType: 'QuestionnaireResponse',
      questionnaire: questionnaire.url,
      status: 'completed',
      subject: { reference: 'Patient/donor' },
      authored: '2025-03-14T10:00:00Z',
      author: { reference: 'Practitioner/assessor' },
      item: CONTRACT.map(([linkId, kind]) => ({ linkId, answer: [answer(linkId, kind)] })),
    };
    expect(validateR4(response).errors).toEqual([]);
    response.item[3] = {
      linkId: 'how-met',
      answer: [{ valueCoding: { system: `${BASE}/CodeSystem/how-met`, code: 'bought' } }],
    };
    expect(validateR4(response).errors).toEqual([
      `QuestionnaireResponse.item[3].answer[0].valueCoding: Code "bought" not found in CodeSystem ${BASE}/CodeSystem/how-met`,
    ]);
  });
});
