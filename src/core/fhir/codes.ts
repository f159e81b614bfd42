/** Code systems and codes of the input contract (`shared/workup-in-fhir.md`). */

export const DG = 'http://donorguard.org/fhir';
export const CS = {
  workup: `${DG}/CodeSystem/workup`,
  evaluationType: `${DG}/CodeSystem/evaluation-type`,
  evidenceType: `${DG}/CodeSystem/evidence-type`,
  donationPathway: `${DG}/CodeSystem/donation-pathway`,
  expenseType: `${DG}/CodeSystem/expense-type`,
  mitigation: `${DG}/CodeSystem/mitigation`,
  redFlag: `${DG}/CodeSystem/red-flag`,
  howMet: `${DG}/CodeSystem/how-met`,
  arrangedBy: `${DG}/CodeSystem/arranged-by`,
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  v2RelationshipCode: 'http://terminology.hl7.org/CodeSystem/v2-0131',
  participantType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  participantTypeFhir: 'http://terminology.hl7.org/CodeSystem/participant-type',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  coverageSelfPay: 'http://terminology.hl7.org/CodeSystem/coverage-selfpay',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
} as const;

export const EXT = {
  intendedRecipient: `${DG}/StructureDefinition/intended-recipient`,
  donationPathway: `${DG}/StructureDefinition/donation-pathway`,
  nationality: 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
  interpreterRequired: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired',
} as const;

export const SAFEGUARDING_QUESTIONNAIRE = `${DG}/Questionnaire/living-donor-safeguarding`;

export const PATHWAYS = ['directed-related', 'directed-unrelated', 'non-directed', 'paired-exchange'] as const;
export type Pathway = (typeof PATHWAYS)[number];

export const EVALUATION_TYPES = [
  'psychosocial',
  'independent-advocate',
  'independent-assessor',
  'authorisation-committee',
  'medical',
  'consent-discussion',
  'donor-education',
] as const;
export type EvaluationType = (typeof EVALUATION_TYPES)[number];

/** Evidence types that speak to the relationship claim (as opposed to approvals and reports). */
export const RELATIONSHIP_EVIDENCE_TYPES = [
  'birth-certificate',
  'marriage-certificate',
  'household-registration',
  'court-document',
  'affidavit',
  'embassy-certification',
  'photographs',
  'kinship-dna-test',
] as const;

/** Evidence that only restates the claim: sworn or court statements and pictures, not civil records. */
export const WEAK_EVIDENCE_TYPES = ['court-document', 'affidavit', 'photographs'] as const;

export const LOINC = {
  organDonor: '44788-8',
  livingDonorAnswer: 'LA27447-4',
  consentDocument: '59284-0',
  birthDate: '21112-8',
  financialStrain: '76513-1',
  employmentStatus: '74165-2',
} as const;

export const SNOMED = {
  kidneyDonor: '105462002',
  liverDonor: '105463007',
} as const;
