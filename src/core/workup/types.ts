import type { Patient } from 'fhir/r4.js';
import type { Pathway } from '../fhir/codes.js';

/**
 * The typed, normalised view of one living donation. Built once per donor by `gather`; rules read it
 * (as `%workup` and the shorthand variables listed in `rules/README.md`), never the raw input.
 *
 * Member names avoid FHIRPath keywords (`days`, `year`, `as`, `is`, ...), so every member can be named
 * in a rule without backticks. Day counts are whole calendar days, precomputed so rules stay simple
 * and the engine never needs a clock. A fact that could not be established is `null` (or absent), and
 * the gap is listed in `notChecked`: absent never means clean.
 */
export interface Workup {
  /** The donor Patient's fullUrl, or `Patient/id`. */
  donorKey: string;
  donor: Patient;
  recipientKey: string | null;
  recipient: Patient | null;
  pathway: Pathway | null;
  /** True when the pathway came from the EpisodeOfCare extension, false when inferred. */
  pathwayDeclared: boolean;
  organ: 'kidney' | 'liver' | null;
  donorAgeYears: number | null;
  relationship: RelationshipFacts | null;
  biology: BiologyFacts;
  consent: ConsentFacts;
  evaluations: EvaluationFacts[];
  /** Types of evaluations that took place (not planned or cancelled). */
  evaluationTypes: string[];
  approvals: ApprovalFacts[];
  /** The latest safeguarding questionnaire's answers by linkId; unanswered items are absent. */
  answers: Record<string, AnswerValue>;
  answersRef: string | null;
  language: LanguageFacts;
  identity: IdentityFacts;
  travel: TravelFacts;
  money: MoneyFacts;
  surgery: SurgeryFacts;
  timeline: TimelineFacts;
  vulnerability: VulnerabilityFacts;
  safeguards: SafeguardFacts;
  /**
   * People who are neither relatives nor professionals acting around the donor: a non-family contact,
   * companion or lay interpreter, or the person named as having arranged the donor's travel.
   */
  thirdParties: ThirdPartyFacts[];
  /** What this donation shares with other donations in the same pool (red-flags.md §4.9). */
  network: NetworkFacts;
  notChecked: string[];
}

export interface ThirdPartyFacts {
  /** The RelatedPerson or Organization; the donor's key for a `Patient.contact` without a resource. */
  ref: string;
  name: string | null;
  role: 'contact' | 'companion' | 'interpreter' | 'arranger';
  /** Where it shows: the Encounter or Appointment, the questionnaire, or the donor record. */
  via: string;
  /** The relationship as recorded (code or text). */
  relationship: string | null;
  /** A patient navigator, community health worker, charity volunteer or similar supporting role. */
  supportRole: boolean;
}

export type AnswerValue = boolean | string | number;

export type RelationClass =
  | 'parent-child'
  | 'identical-twin'
  | 'sibling'
  | 'spouse-partner'
  | 'extended-family'
  | 'family-unspecified'
  | 'unrelated'
  | 'dependency'
  | 'other';

export type PartySide = 'donor' | 'donor-family' | 'recipient' | 'recipient-family' | 'centre' | 'authority' | 'agency' | 'unknown';

export interface RelationshipFacts {
  /** The claimed relationship as the donor's role towards the recipient (normalised direction). */
  code: string;
  system: string;
  display: string;
  /** `code` and every ancestor in the v3 RoleCode hierarchy, for subsumption (`roles contains 'EXT'`). */
  roles: string[];
  relationClass: RelationClass;
  /** A genetic relationship is claimed (not step, in-law, adoptive or foster). */
  biological: boolean;
  /** True when the RelatedPerson describes the recipient (patient = donor) and the code was inverted. */
  inverted: boolean;
  /** For dependency relationships: the donor is the employee, tenant or subordinate. */
  donorSubordinate: boolean;
  claimRef: string;
  /** Further claims between the same donor and recipient (e.g. friend, and also the household's employee). */
  alsoClaimed: Array<{ claimRef: string; code: string; display: string; relationClass: RelationClass; donorSubordinate: boolean }>;
  /** RelatedPerson.period.start: since when the relationship exists. */
  since: string | null;
  /** When the recipient's need became known (ESRD onset or waiting-list start). */
  needKnownSince: string | null;
  /** True when the relationship began after the recipient's need was known. */
  startedAfterNeed: boolean | null;
  evidence: EvidenceFacts[];
  /** At least one relationship document verified at source, or a consistent kinship test. */
  verified: boolean;
  /** All relationship evidence is weak (affidavit, court document, photographs) or unverified. */
  onlyWeakOrUnverifiedEvidence: boolean;
}

export interface EvidenceFacts {
  ref: string;
  type: string;
  verified: boolean;
  /** Who supplied it (DocumentReference.author). */
  suppliedBy: PartySide;
  /** Who verified it (DocumentReference.authenticator), or null. */
  verifiedBy: PartySide | null;
  date: string | null;
  /** Issue date: `content[0].attachment.creation`, else `date` (when the reference was filed). */
  issued: string | null;
  /** Issue date to first evaluation, in days (positive: issued before). */
  issuedBeforeEvaluationDays: number | null;
  weak: boolean;
}

export interface BiologyFacts {
  sharedHaplotypes: number | null;
  hlaRef: string | null;
  kinshipResult: 'consistent' | 'excluded' | 'inconclusive' | null;
  kinshipRef: string | null;
  /** A disclosure-preference document exists (the donor chose whether to learn of non-kinship). */
  disclosurePreferenceRef: string | null;
}

export interface ConsentRecord {
  ref: string;
  status: string;
  date: string | null;
  hasSignedSource: boolean;
  verified: boolean;
}

export interface ConsentFacts {
  donationConsents: ConsentRecord[];
  /** Active donation consents. */
  activeRefs: string[];
  hasActive: boolean;
  /** An active consent has a signed source (attachment or document) on file. */
  activeHasSignedSource: boolean;
  firstActiveDate: string | null;
  /** A donation consent turned rejected/inactive after an active one. */
  withdrawn: boolean;
  withdrawalRefs: string[];
  /** Earliest active consent was signed before the first education/consent-discussion encounter. */
  signedBeforeEducation: boolean | null;
  /** Earliest active consent was signed after the surgery was ordered. */
  signedAfterBooking: boolean | null;
  /** Earliest active consent to surgery, in days. */
  signedToSurgeryDays: number | null;
  noRewardDeclarationRef: string | null;
}

export type InterpreterKind = 'professional' | 'practitioner-unqualified' | 'lay' | 'unknown';

export interface ParticipantFacts {
  ref: string;
  kind: InterpreterKind | 'companion';
  side: PartySide;
}

export interface EvaluationFacts {
  ref: string;
  type: string;
  status: string;
  date: string | null;
  interpreters: ParticipantFacts[];
  companions: ParticipantFacts[];
  /** No RelatedPerson took part other than as translator. */
  alone: boolean;
  /** Consent, advocate/assessor, committee or psychosocial: where independence is critical. */
  safeguarding: boolean;
  /** It took place (not planned, cancelled or entered in error). */
  held: boolean;
}

export interface ApprovalFacts {
  ref: string;
  type: string;
  final: boolean;
  date: string | null;
}

export interface LanguageFacts {
  donor: string[];
  donorPreferred: string | null;
  recipient: string[];
  /** Donor and recipient share a recorded language (primary subtag); null if either has none recorded. */
  shared: boolean | null;
  interpreterRequired: boolean;
  /** The interpreterRequired extension is present (true or false): the need was assessed. */
  interpreterRequiredRecorded: boolean;
  /** A professional interpreter took part in an evaluation. */
  professionalInterpreterUsed: boolean;
}

export interface IdentityFacts {
  birthDates: string[];
  birthDatesDisagree: boolean;
  /** They disagree beyond a default 1 January or a day/month swap in the same year. */
  birthDatesConflict: boolean;
  birthDateRefs: string[];
  /** Youngest age (completed years at the screen date) over every recorded birth date; null when none. */
  youngestAgeYears: number | null;
  identityDocumentRefs: string[];
  hasPassport: boolean;
  nationality: string | null;
  /**
   * The donor's names in use (`official`, `usual`, `old` or no use; never `maiden`, `nickname`,
   * `temp`, `anonymous`), as written, each with its use in brackets.
   */
  nameVariants: string[];
  /** Two of those names differ beyond transliteration (diacritics, vowel spelling, a dropped middle name). */
  namesDisagree: boolean;
  /** Identity-document DocumentReferences of the donor, with who supplied and who verified them. */
  identityDocuments: IdentityDocumentFacts[];
}

export interface IdentityDocumentFacts {
  ref: string;
  /** Issue date: `content[0].attachment.creation`, else `DocumentReference.date`. */
  issued: string | null;
  /** Issue date to first evaluation, in days (positive: issued before; negative: during the workup). */
  issuedBeforeEvaluationDays: number | null;
  suppliedBy: PartySide;
  verifiedBy: PartySide | null;
  /** Authenticated by someone outside the claimant's side (authority, embassy, centre staff). */
  verified: boolean;
}

export interface TravelFacts {
  donorHomeCountry: string | null;
  donorResident: boolean | null;
  recipientHomeCountry: string | null;
  recipientResident: boolean | null;
  arrivalDate: string | null;
  arrivalRef: string | null;
  departedFrom: string | null;
  visaType: string | null;
  arrivalToFirstEvaluationDays: number | null;
  arrivalToSurgeryDays: number | null;
  temporaryAddress: string | null;
  /** The temporary address matches the hostel allow-list or an Organization typed `workup#donor-hostel` (name or first line). */
  temporaryAddressAllowListed: boolean;
  departureDate: string | null;
  surgeryToDepartureDays: number | null;
  followUpPlanRef: string | null;
  arrangedBy: string | null;
  lodgingArrangedBy: string | null;
  evidenceRefs: string[];
}

export type PayerKind =
  | 'donor'
  | 'donor-family'
  | 'recipient'
  | 'recipient-family'
  | 'insurer'
  | 'government'
  | 'provider'
  | 'programme'
  | 'charity'
  | 'allow-listed'
  | 'licensed-facilitator'
  | 'facilitator'
  | 'unknown-organization'
  | 'other-person';

export interface PayerFacts {
  ref: string;
  /** Which resource made it a payer: `Coverage/1`, `Account/2`, `Invoice/3`. */
  via: string;
  kind: PayerKind;
  /** Organization without any identifier: unregistered or unknown. */
  unidentified: boolean;
}

export interface ReimbursementFacts {
  ref: string;
  use: string;
  itemised: boolean;
  lumpSum: boolean;
  payeeKind: PayerKind | null;
  /** Paid or agreed through the programme (an organisation that is not a facilitator). */
  throughProgramme: boolean;
  total: number | null;
}

export interface MoneyFacts {
  payers: PayerFacts[];
  /** Payers outside the insurer, programme, recognised scheme, recipient or family. */
  thirdPartyPayerRefs: string[];
  facilitatorRefs: string[];
  unidentifiedFacilitatorRefs: string[];
  selfPay: boolean;
  selfPayRefs: string[];
  packagePriceRefs: string[];
  reimbursements: ReimbursementFacts[];
  unverifiableReimbursementRefs: string[];
  /** Every reimbursement is itemised and paid through the programme (true when there is none). */
  reimbursementVerifiable: boolean;
  /**
   * Every facilitator-agency Organization (licensed or not) acting as payer, guarantor, invoice party
   * or requester of a ServiceRequest for the donor (directly or through a PractitionerRole).
   */
  facilitators: FacilitatorFacts[];
}

export interface FacilitatorFacts {
  /** The agency Organization. */
  ref: string;
  /** The resource that shows its role: Coverage, Account, Invoice or ServiceRequest. */
  via: string;
  role: 'payer' | 'guarantor' | 'invoice' | 'requester';
  /** On the centre's allow-list of licensed facilitators. */
  licensed: boolean;
}

export interface SurgeryFacts {
  booked: boolean;
  /** The booking arrived as a draft order being signed (CDS Hooks order-sign). */
  ordering: boolean;
  date: string | null;
  ref: string | null;
  bookedOn: string | null;
  /** asOf to surgery, in days. */
  untilSurgeryDays: number | null;
}

export interface TimelineFacts {
  firstContactDate: string | null;
  firstEvaluationDate: string | null;
  firstContactToSurgeryDays: number | null;
  /** Safeguarding evaluations (psychosocial, advocate/assessor) dated after the surgery was booked, or missing at booking. */
  bookedBeforeSafeguards: boolean | null;
}

export interface VulnerabilityFacts {
  financialStrainRef: string | null;
  unemployedRef: string | null;
  immigrationStatus: string | null;
  immigrationStatusRef: string | null;
  /** Financial-strain and employment-status Observations of the donor, whatever their answer (empty: not assessed). */
  economicAssessmentRefs: string[];
}

export interface SafeguardFacts {
  advocateDocumented: boolean;
  advocateRefs: string[];
  psychosocialDocumented: boolean;
  psychosocialRefs: string[];
  interviewedAloneDocumented: boolean;
  /** A held advocate, assessor, committee or psychosocial evaluation had no companion. */
  seenAloneIndependently: boolean;
  /**
   * Held independent evaluations (and their companions) of a type never held without a companion:
   * a joint session is legitimate when a separate one of the same kind is recorded too.
   */
  accompaniedOnlyRefs: string[];
  /** At least two evaluations were held and a companion was at every one. */
  accompaniedAtEveryEvaluation: boolean;
  /** The held evaluations and their companions, when accompaniedAtEveryEvaluation. */
  accompaniedEvaluationRefs: string[];
  /** §7: verified relative, professional interpreter, itemised reimbursement, follow-up plan, advocate review. */
  internationalControlsMet: boolean;
}

/** How a person was recognised as the same human across records (never nationality). */
export type IdentityMatch = 'same-resource' | 'telephone' | 'email' | 'name-and-address';

/** The role in which someone appears around the donor. */
export type NetworkVia = 'companion' | 'contact' | 'referrer' | 'travel-arranger' | 'interpreter';

/**
 * Pool-level facts: computed over every donation in the same pool of resources (one Bundle; in Bulk
 * Data, only the donor's neighbourhood of three reference hops). Values are compared normalised
 * (telephone digits with country code, lower-cased e-mail, name plus address) and leave gather only
 * as hashed keys and resource references.
 */
export interface NetworkFacts {
  /** Other donors in the pool: living-donor candidates and former donors. */
  otherDonorsInPool: number;
  /** Former donors in the pool: a completed donor-surgery Procedure and no open evaluation. */
  formerDonorsInPool: number;
  formerDonorMatches: FormerDonorMatch[];
  sharedContacts: SharedContactFacts[];
  sharedIntermediaries: SharedIntermediaryFacts[];
  /** Companions, contacts, interpreters, referrers or travel arrangers with no telephone, e-mail or name with address: not matchable. */
  unmatchableRefs: string[];
}

export interface FormerDonorMatch {
  /** The record in this workup where the former donor appears (for a Patient.contact: the donor's Patient). */
  ref: string;
  formerDonorRef: string;
  /** The completed donor-surgery Procedure. */
  donationRef: string | null;
  via: NetworkVia;
  matchedOn: IdentityMatch[];
  /** The person is affiliated to the programme (an active PractitionerRole of the centre or another recognised body): a peer mentor. */
  affiliated: boolean;
}

export interface SharedContactFacts {
  /** `kind:hash` of the normalised value; never the value itself. */
  key: string;
  kind: 'telephone' | 'email' | 'temporary-address' | 'contact-person';
  /** Where it sits in this workup: the donor's own telecom or temporary address, an emergency contact, a RelatedPerson of the donor. */
  roles: Array<'donor' | 'emergency-contact' | 'related-person'>;
  refs: string[];
  /** Donors of unrelated recipients (other pairs) with the same value. */
  otherDonors: string[];
  otherRefs: string[];
  /** This donor plus otherDonors. */
  donorCount: number;
  /** A hostel: the settings allow-list or an Organization typed `workup#donor-hostel`. */
  allowListed: boolean;
  /** Belongs to the centre, a public body, a professional interpreter or an interpreter agency. */
  professional: boolean;
}

export interface SharedIntermediaryFacts {
  /** The person in this workup: a RelatedPerson, Patient or unqualified Practitioner. */
  ref: string;
  role: 'interpreter' | 'companion' | 'relative';
  kind: 'lay' | 'practitioner-unqualified';
  matchedOn: IdentityMatch[];
  /** Donors of other, unrelated pairs where the same person appears. */
  otherDonors: string[];
  otherRefs: string[];
  /** Unrelated pairs involved, this one included. */
  pairCount: number;
}
