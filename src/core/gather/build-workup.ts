import type { Encounter, Patient } from 'fhir/r4.js';
import type { PooledResource, ResourceIndex } from '../fhir/resource-index.js';
import type { Settings } from '../settings.js';
import type { RoleCodeHierarchy } from '../terminology/role-codes.js';
import { ageInYears, daysBetween, earliest } from '../dates.js';
import type { EvaluationFacts, SafeguardFacts, TimelineFacts, Workup } from '../workup/types.js';
import { safeguardingAnswers } from './answers.js';
import { consentFacts } from './consent.js';
import { type GatherContext, referringVia } from './context.js';
import { approvalFacts, evaluationFacts, heldEvaluations } from './evaluations.js';
import { moneyFacts } from './money.js';
import { identityFacts, languageFacts, travelFacts, vulnerabilityFacts } from './person.js';
import { biologyFacts, findParties, relationshipFacts } from './relationship.js';
import { surgeryFacts } from './surgery.js';
import { thirdPartyFacts } from './intermediaries.js';
import { networkFacts } from './network.js';

export interface BuildOptions {
  asOf: string;
  settings: Settings;
  roleCodes: RoleCodeHierarchy;
  /** Draft orders being signed (CDS Hooks order-sign): they count as booked surgery. */
  draftOrders?: readonly PooledResource[];
  /** Gaps the adapter already knows of (a search that failed, a prefetch that was an OperationOutcome). */
  notChecked?: readonly string[];
}

/** Assemble one donor's Workup from the pool. Pure: same pool, asOf and settings give the same Workup. */
export function buildWorkup(index: ResourceIndex, donor: PooledResource, options: BuildOptions): Workup {
  const notChecked: string[] = [...(options.notChecked ?? [])];
  const parties = findParties(index, donor, notChecked);
  const ctx: GatherContext = {
    index,
    donor,
    recipient: parties.recipient,
    claim: parties.claim,
    settings: options.settings,
    asOf: options.asOf,
    roleCodes: options.roleCodes,
    notChecked,
  };

  const evaluations = evaluationFacts(ctx);
  const held = heldEvaluations(evaluations);
  const firstEvaluationDate = earliest(held.map((e) => e.date));
  const surgery = surgeryFacts(ctx, options.draftOrders ?? []);
  const consent = consentFacts(ctx, held, surgery);
  const approvals = approvalFacts(ctx);
  const { answers, ref: answersRef } = safeguardingAnswers(ctx);
  const biology = biologyFacts(ctx);
  const relationship = relationshipFacts(ctx, parties.inverted, firstEvaluationDate, biology, parties.otherClaims);
  const money = moneyFacts(ctx);
  const travel = travelFacts(ctx, firstEvaluationDate, surgery.date, answers);
  const professionalInterpreterUsed = held.some((e) => e.interpreters.some((i) => i.kind === 'professional'));
  const language = languageFacts(ctx, professionalInterpreterUsed);

  const pathway =
    parties.pathway ??
    (relationship
      ? relationship.relationClass === 'unrelated' || relationship.relationClass === 'dependency'
        ? 'directed-unrelated'
        : relationship.relationClass === 'other'
          ? null
          : 'directed-related'
      : null);

  if (!parties.recipient && pathway !== 'non-directed') {
    notChecked.push('intended recipient: not identified (no intended-recipient extension and no linked relationship claim)');
  }
  if (parties.recipient && !parties.claim && pathway !== 'non-directed') {
    notChecked.push('relationship claim: no RelatedPerson linked between donor and recipient');
  }
  if (!answersRef) notChecked.push('safeguarding questionnaire: none completed for this donor');
  if (!options.settings.centreCountry) notChecked.push('centre country: not configured, so residence could not be judged');
  if (typeof (donor.resource as Patient).birthDate !== 'string') notChecked.push("donor's age: no birth date recorded");

  const timeline = timelineFacts(ctx, held, surgery.date, surgery.bookedOn, firstEvaluationDate);
  // §7: reimbursement itemised through the programme means there is one, and no facilitator is paid.
  const reimbursedThroughProgramme = money.reimbursements.length > 0 && money.reimbursementVerifiable && money.facilitatorRefs.length === 0;
  const safeguards = safeguardFacts(held, approvals, answers, relationship?.verified ?? false, reimbursedThroughProgramme, travel.followUpPlanRef, language);

  for (const unresolved of index.unresolvedReferences(donor)) notChecked.push(`reference ${unresolved} in the donor record does not resolve`);

  return {
    donorKey: index.keyOf(donor),
    donor: donor.resource as Patient,
    recipientKey: parties.recipient ? index.keyOf(parties.recipient) : null,
    recipient: (parties.recipient?.resource as Patient | undefined) ?? null,
    pathway,
    pathwayDeclared: parties.pathwayDeclared,
    organ: parties.organ,
    donorAgeYears: ageInYears((donor.resource as Patient).birthDate, options.asOf),
    relationship,
    biology,
    consent,
    evaluations,
    evaluationTypes: [...new Set(held.map((e) => e.type))].sort(),
    approvals,
    answers,
    answersRef,
    language,
    identity: identityFacts(ctx, firstEvaluationDate),
    travel,
    money,
    surgery,
    timeline,
    vulnerability: vulnerabilityFacts(ctx),
    safeguards,
    thirdParties: thirdPartyFacts(ctx, answersRef),
    network: networkFacts(ctx),
    notChecked: [...new Set(notChecked)],
  };
}

function timelineFacts(
  ctx: GatherContext,
  held: EvaluationFacts[],
  surgeryDate: string | null,
  bookedOn: string | null,
  firstEvaluationDate: string | null,
): TimelineFacts {
  const encounters = referringVia(ctx, ctx.donor, 'Encounter', (r: Encounter) => r.subject).map(
    (e) => (e.resource as Encounter).period?.start,
  );
  const firstContactDate = earliest([...encounters, firstEvaluationDate]);
  const safeguardDates = held
    .filter((e) => e.type === 'psychosocial' || e.type === 'independent-advocate' || e.type === 'independent-assessor')
    .map((e) => e.date);
  const lastSafeguard = safeguardDates.length > 0 ? safeguardDates.reduce((a, b) => ((a ?? '') > (b ?? '') ? a : b)) : null;
  return {
    firstContactDate,
    firstEvaluationDate,
    firstContactToSurgeryDays: daysBetween(firstContactDate, surgeryDate),
    bookedBeforeSafeguards: bookedOn ? lastSafeguard === null || (daysBetween(bookedOn, lastSafeguard) ?? 0) > 0 : null,
  };
}

const INDEPENDENT_TYPES = ['independent-advocate', 'independent-assessor', 'authorisation-committee', 'psychosocial'];

function safeguardFacts(
  held: EvaluationFacts[],
  approvals: Workup['approvals'],
  answers: Workup['answers'],
  relationshipVerified: boolean,
  reimbursementVerifiable: boolean,
  followUpPlanRef: string | null,
  language: { interpreterRequired: boolean },
): SafeguardFacts {
  const advocateTypes = ['independent-advocate', 'independent-assessor', 'authorisation-committee'];
  const advocateReports = ['advocate-report', 'independent-assessor-report', 'regulator-approval', 'committee-approval'];
  const advocateRefs = [
    ...held.filter((e) => advocateTypes.includes(e.type)).map((e) => e.ref),
    ...approvals.filter((a) => a.final && advocateReports.includes(a.type)).map((a) => a.ref),
  ];
  const psychosocialRefs = held.filter((e) => e.type === 'psychosocial').map((e) => e.ref);
  const independent = held.filter((e) => INDEPENDENT_TYPES.includes(e.type));
  const typesSeenAlone = new Set(independent.filter((e) => e.alone).map((e) => e.type));
  const accompaniedOnly = independent.filter((e) => !e.alone && !typesSeenAlone.has(e.type));
  const everyAccompanied = held.length >= 2 && held.every((e) => !e.alone);
  const interpreted = held.filter((e) => e.safeguarding && e.interpreters.length > 0);
  const interpretersProfessional = interpreted.every((e) => e.interpreters.every((i) => i.kind === 'professional'));
  const interpreterNeeded = language.interpreterRequired || interpreted.length > 0;
  return {
    advocateDocumented: advocateRefs.length > 0,
    advocateRefs,
    psychosocialDocumented: psychosocialRefs.length > 0,
    psychosocialRefs,
    interviewedAloneDocumented: answers['interviewed-alone'] === true,
    seenAloneIndependently: typesSeenAlone.size > 0,
    accompaniedOnlyRefs: [...new Set(accompaniedOnly.flatMap((e) => [e.ref, ...e.companions.map((c) => c.ref)]))],
    accompaniedAtEveryEvaluation: everyAccompanied,
    accompaniedEvaluationRefs: everyAccompanied ? [...new Set(held.flatMap((e) => [e.ref, ...e.companions.map((c) => c.ref)]))] : [],
    internationalControlsMet:
      relationshipVerified &&
      reimbursementVerifiable &&
      followUpPlanRef !== null &&
      advocateRefs.length > 0 &&
      (!interpreterNeeded || (interpreted.length > 0 && interpretersProfessional)),
  };
}
