import type { Consent, DocumentReference } from 'fhir/r4.js';
import { CS, LOINC } from '../fhir/codes.js';
import { hasCode } from '../fhir/coding.js';
import { dayNumber, daysBetween, datePart, earliest } from '../dates.js';
import type { ConsentFacts, ConsentRecord, EvaluationFacts, SurgeryFacts } from '../workup/types.js';
import { type GatherContext, referringVia } from './context.js';

/** Donation consent: category LOINC 59284-0 plus workup#living-organ-donation (one or two CodeableConcepts). */
function isDonationConsent(c: Consent): boolean {
  return hasCode(c.category, CS.workup, 'living-organ-donation');
}

function isConsentDocument(c: Consent): boolean {
  return hasCode(c.category, CS.loinc, LOINC.consentDocument);
}

export function consentFacts(ctx: GatherContext, evaluations: EvaluationFacts[], surgery: SurgeryFacts): ConsentFacts {
  const { index, donor } = ctx;
  const records: ConsentRecord[] = [];
  for (const e of referringVia(ctx, donor, 'Consent', (r: Consent) => r.patient)) {
    const c = e.resource as Consent;
    if (!isDonationConsent(c)) continue;
    if (!isConsentDocument(c)) ctx.notChecked.push(`consent ${index.keyOf(e)}: category lacks LOINC 59284-0; read as a donation consent`);
    const source = c.sourceAttachment ?? c.sourceReference;
    records.push({
      ref: index.keyOf(e),
      status: c.status,
      date: datePart(c.dateTime),
      hasSignedSource: source !== undefined && (c.sourceReference === undefined || index.resolve(c.sourceReference, e) !== undefined),
      verified: (c.verification ?? []).some((v) => v?.verified === true),
    });
  }
  records.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.ref.localeCompare(b.ref));
  const active = records.filter((r) => r.status === 'active');
  const firstActiveDay = Math.min(...active.map((r) => dayNumber(r.date) ?? Infinity));
  const withdrawals = records.filter(
    (r) => (r.status === 'rejected' || r.status === 'inactive') && (dayNumber(r.date) ?? -Infinity) >= firstActiveDay,
  );
  // A withdrawal only counts if no active consent was signed again after it.
  const lastActiveDay = Math.max(...active.map((r) => dayNumber(r.date) ?? -Infinity));
  const standingWithdrawals = withdrawals.filter((w) => (dayNumber(w.date) ?? -Infinity) >= lastActiveDay);
  const firstActiveDate = earliest(active.map((r) => r.date));
  const education = earliest(
    evaluations.filter((e) => e.type === 'donor-education' || e.type === 'consent-discussion').map((e) => e.date),
  );
  const declaration = referringVia(ctx, donor, 'DocumentReference', (r: DocumentReference) => r.subject).find(
    (e) =>
      hasCode((e.resource as DocumentReference).type, CS.evidenceType, 'no-reward-declaration') &&
      (e.resource as DocumentReference).status === 'current',
  );
  const signedToSurgeryDays = daysBetween(firstActiveDate, surgery.date);
  return {
    donationConsents: records,
    activeRefs: active.map((r) => r.ref),
    hasActive: active.length > 0,
    activeHasSignedSource: active.some((r) => r.hasSignedSource),
    firstActiveDate,
    withdrawn: standingWithdrawals.length > 0,
    withdrawalRefs: standingWithdrawals.map((r) => r.ref),
    signedBeforeEducation: firstActiveDate && education ? (daysBetween(firstActiveDate, education) ?? 0) > 0 : null,
    signedAfterBooking: firstActiveDate && surgery.bookedOn ? (daysBetween(surgery.bookedOn, firstActiveDate) ?? 0) > 0 : null,
    signedToSurgeryDays,
    noRewardDeclarationRef: declaration ? index.keyOf(declaration) : null,
  };
}
