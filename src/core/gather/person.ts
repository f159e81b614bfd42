import type { Address, CarePlan, DocumentReference, Extension, HumanName, Observation, Organization, Patient } from 'fhir/r4.js';
import type { PooledResource, ResourceIndex } from '../fhir/resource-index.js';
import { CS, EXT, LOINC } from '../fhir/codes.js';
import { codeIn, codings, conceptLabel, hasCode } from '../fhir/coding.js';
import { ageInYears, datePart, daysBetween, latest } from '../dates.js';
import type { IdentityDocumentFacts, IdentityFacts, LanguageFacts, TravelFacts, VulnerabilityFacts } from '../workup/types.js';
import { type GatherContext, referringVia, sideOf } from './context.js';

const ISO = 'urn:iso:std:iso:3166';

function homeAddress(p: Patient | null): Address | undefined {
  const addresses = (p?.address ?? []).filter((a) => a && a.use !== 'temp' && a.use !== 'old' && a.use !== 'billing');
  return addresses.find((a) => a.use === 'home') ?? addresses[0];
}

function country(a: Address | undefined): string | null {
  const c = a?.country?.trim();
  return c ? c.toUpperCase() : null;
}

function languages(p: Patient | null): { all: string[]; preferred: string | null } {
  const all: string[] = [];
  let preferred: string | null = null;
  for (const c of p?.communication ?? []) {
    const code = codings(c?.language).find((x) => typeof x.code === 'string')?.code;
    if (!code) continue;
    const primary = code.split('-')[0]?.toLowerCase() ?? code;
    if (!all.includes(primary)) all.push(primary);
    if (c.preferred === true && preferred === null) preferred = primary;
  }
  return { all, preferred };
}

function ext(p: Patient | null, url: string): Extension | undefined {
  return (p?.extension ?? []).find((x) => x?.url === url);
}

function donorObservations(ctx: GatherContext): PooledResource[] {
  return referringVia(ctx, ctx.donor, 'Observation', (r: Observation) => r.subject).filter((e) => {
    const s = (e.resource as Observation).status;
    return s !== 'entered-in-error' && s !== 'cancelled';
  });
}

export function languageFacts(ctx: GatherContext, professionalInterpreterUsed: boolean): LanguageFacts {
  const donor = ctx.donor.resource as Patient;
  const recipient = (ctx.recipient?.resource as Patient | undefined) ?? null;
  const d = languages(donor);
  const r = languages(recipient);
  return {
    donor: d.all,
    donorPreferred: d.preferred ?? d.all[0] ?? null,
    recipient: r.all,
    shared: d.all.length === 0 || r.all.length === 0 ? null : d.all.some((l) => r.all.includes(l)),
    interpreterRequired: ext(donor, EXT.interpreterRequired)?.valueBoolean === true,
    interpreterRequiredRecorded: typeof ext(donor, EXT.interpreterRequired)?.valueBoolean === 'boolean',
    professionalInterpreterUsed,
  };
}

/** Name uses that assert an identity; `maiden`, `nickname`, `temp` and `anonymous` names never conflict with them. */
const IDENTITY_NAME_USES = new Set<string | undefined>(['official', 'usual', 'old', undefined]);
const UNDECOMPOSED: Record<string, string> = { ß: 'ss', ł: 'l', ø: 'o', æ: 'ae', œ: 'oe', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/**
 * A transliteration-tolerant key for one name part: no diacritics, common digraphs folded, vowels
 * dropped after the first letter (Mohammed = Muhammad, Zielińska = Zielinska, Ebrahim = Ibrahim, Ivanov = Ivanoff).
 */
function nameTokenKey(token: string): string {
  let t = token
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßłøæœđðþı]/g, (c) => UNDECOMPOSED[c] ?? c)
    .replace(/[^a-z]/g, '');
  t = t.replace(/ph/g, 'f').replace(/[ckq]/g, 'k').replace(/[zs]/g, 's').replace(/[fvw]/g, 'w').replace(/h/g, '');
  if (t.length === 0) return '';
  const first = /[aeiouy]/.test(t[0] as string) ? '*' : (t[0] as string);
  return (first + t.slice(1).replace(/[aeiouyj]/g, '')).replace(/(.)\1+/g, '$1');
}

function nameTokens(n: HumanName): string[] {
  const parts = [...(Array.isArray(n.given) ? n.given : []), ...(typeof n.family === 'string' ? [n.family] : [])];
  const words = (parts.length > 0 ? parts : typeof n.text === 'string' ? [n.text] : []).filter((w): w is string => typeof w === 'string');
  return [...new Set(words.flatMap((w) => w.split(/[\s-]+/)).map(nameTokenKey).filter((k) => k.length > 0))];
}

function nameLabel(n: HumanName): string {
  const written =
    typeof n.text === 'string' && n.text.trim()
      ? n.text.trim()
      : [...(Array.isArray(n.given) ? n.given : []), n.family].filter((w): w is string => typeof w === 'string').join(' ');
  return `${written} (${n.use ?? 'no use'})`;
}

/** Two names agree when the parts of one are all found in the other (a dropped middle name is no conflict). */
function namesAgree(a: string[], b: string[]): boolean {
  return a.every((t) => b.includes(t)) || b.every((t) => a.includes(t));
}

function nameFacts(donor: Patient): { nameVariants: string[]; namesDisagree: boolean } {
  const names = (Array.isArray(donor.name) ? donor.name : []).filter((n) => n && IDENTITY_NAME_USES.has(n.use));
  const keyed = names.map((n) => ({ label: nameLabel(n), tokens: nameTokens(n) })).filter((n) => n.tokens.length > 0);
  const namesDisagree = keyed.some((a, i) => keyed.slice(i + 1).some((b) => !namesAgree(a.tokens, b.tokens)));
  return { nameVariants: [...new Set(keyed.map((n) => n.label))], namesDisagree };
}

function identityDocumentFacts(ctx: GatherContext, firstEvaluationDate: string | null): IdentityDocumentFacts[] {
  const { index } = ctx;
  return referringVia(ctx, ctx.donor, 'DocumentReference', (r: DocumentReference) => r.subject)
    .filter((e) => {
      const d = e.resource as DocumentReference;
      return hasCode(d.type, CS.evidenceType, 'identity-document') && d.status !== 'entered-in-error';
    })
    .map((e) => {
      const d = e.resource as DocumentReference;
      const issued = datePart(d.content?.[0]?.attachment?.creation ?? d.date);
      const author = d.author?.[0] ? index.resolve(d.author[0], e) : undefined;
      const verifiedBy = d.authenticator ? sideOf(ctx, index.resolve(d.authenticator, e)) : null;
      return {
        ref: index.keyOf(e),
        issued,
        issuedBeforeEvaluationDays: daysBetween(issued, firstEvaluationDate),
        suppliedBy: sideOf(ctx, author),
        verifiedBy,
        // Verification by the claimant's own side is not verification at source.
        verified: verifiedBy !== null && !['recipient', 'recipient-family', 'donor', 'donor-family', 'agency', 'unknown'].includes(verifiedBy),
      };
    })
    .sort((a, b) => a.ref.localeCompare(b.ref));
}

export function identityFacts(ctx: GatherContext, firstEvaluationDate: string | null = null): IdentityFacts {
  const { index } = ctx;
  const donor = ctx.donor.resource as Patient;
  const birthDates = new Set<string>();
  const birthDateRefs: string[] = [];
  if (typeof donor.birthDate === 'string') birthDates.add(donor.birthDate.slice(0, 10));
  for (const e of donorObservations(ctx)) {
    const o = e.resource as Observation;
    if (!hasCode(o.code, CS.loinc, LOINC.birthDate)) continue;
    const value = datePart(o.valueDateTime ?? o.valueString);
    if (value) {
      birthDates.add(value);
      birthDateRefs.push(index.keyOf(e));
    }
  }
  const identityDocumentRefs = referringVia(ctx, ctx.donor, 'DocumentReference', (r: DocumentReference) => r.subject)
    .filter((e) => hasCode((e.resource as DocumentReference).type, CS.evidenceType, 'identity-document'))
    .map((e) => index.keyOf(e));
  const nationality = ext(donor, EXT.nationality)?.extension?.find((x) => x?.url === 'code')?.valueCodeableConcept;
  return {
    birthDates: [...birthDates].sort(),
    birthDatesDisagree: birthDates.size > 1,
    birthDatesConflict: birthDatesConflict([...birthDates]),
    birthDateRefs: birthDateRefs.sort(),
    youngestAgeYears: [...birthDates].reduce<number | null>((min, d) => {
      const age = ageInYears(d, ctx.asOf);
      return age === null ? min : min === null ? age : Math.min(min, age);
    }, null),
    identityDocumentRefs: identityDocumentRefs.sort(),
    hasPassport: (donor.identifier ?? []).some((i) => hasCode(i?.type, CS.identifierType, 'PPN')),
    nationality: codeIn(nationality, ISO) ?? conceptLabel(nationality) ?? null,
    ...nameFacts(donor),
    identityDocuments: identityDocumentFacts(ctx, firstEvaluationDate),
  };
}

export function travelFacts(
  ctx: GatherContext,
  firstEvaluationDate: string | null,
  surgeryDate: string | null,
  answers: Record<string, unknown>,
): TravelFacts {
  const { index, settings } = ctx;
  const donor = ctx.donor.resource as Patient;
  const recipient = (ctx.recipient?.resource as Patient | undefined) ?? null;
  const donorHome = country(homeAddress(donor));
  const recipientHome = country(homeAddress(recipient));
  const centre = settings.centreCountry;
  if (!donorHome) ctx.notChecked.push("donor's home country: no home address with a country");
  if (ctx.recipient && !recipientHome) ctx.notChecked.push("recipient's home country: no home address with a country");

  let arrival: PooledResource | undefined;
  for (const e of donorObservations(ctx)) {
    if (!hasCode((e.resource as Observation).code, CS.workup, 'entry-to-country')) continue;
    const when = (e.resource as Observation).effectiveDateTime;
    const best = arrival ? (arrival.resource as Observation).effectiveDateTime : undefined;
    if (!arrival || latest([when, best]) === datePart(when)) arrival = e;
  }
  const arrivalObs = arrival?.resource as Observation | undefined;
  const visa = arrivalObs?.component?.find((c) => hasCode(c?.code, CS.workup, 'visa-type'));
  const arrivalDate = datePart(arrivalObs?.effectiveDateTime ?? arrivalObs?.effectivePeriod?.start);

  const temp = (donor.address ?? []).find((a) => a?.use === 'temp');
  const tempText = temp ? [...(temp.line ?? []), temp.city, temp.text].filter(Boolean).join(', ') : null;
  // Organizations typed workup#donor-hostel (hospital hostels, charity housing) are allow-listed too, by name or first address line.
  const hostels = [...settings.allowLists.hostels.map((h) => h.toLowerCase()), ...hostelNamesIn(index)];
  const tempAllowListed = tempText !== null && hostels.some((h) => tempText.toLowerCase().includes(h));
  const departure = datePart(temp?.period?.end);

  const followUp = referringVia(ctx, ctx.donor, 'CarePlan', (r: CarePlan) => r.subject).find((e) => {
    const c = e.resource as CarePlan;
    return (c.category ?? []).some((cat) => hasCode(cat, CS.workup, 'post-donation-follow-up')) && c.status !== 'revoked' && c.status !== 'entered-in-error';
  });

  const evidenceRefs = [arrival ? index.keyOf(arrival) : undefined].filter((x): x is string => x !== undefined);
  return {
    donorHomeCountry: donorHome,
    donorResident: centre && donorHome ? donorHome === centre : null,
    recipientHomeCountry: recipientHome,
    recipientResident: centre && recipientHome ? recipientHome === centre : null,
    arrivalDate,
    arrivalRef: arrival ? index.keyOf(arrival) : null,
    departedFrom: codeIn(arrivalObs?.valueCodeableConcept, ISO) ?? conceptLabel(arrivalObs?.valueCodeableConcept) ?? null,
    visaType: (visa?.valueCodeableConcept ? conceptLabel(visa.valueCodeableConcept) : visa?.valueString) ?? null,
    arrivalToFirstEvaluationDays: daysBetween(arrivalDate, firstEvaluationDate),
    arrivalToSurgeryDays: daysBetween(arrivalDate, surgeryDate),
    temporaryAddress: tempText,
    temporaryAddressAllowListed: tempAllowListed,
    departureDate: departure,
    surgeryToDepartureDays: daysBetween(surgeryDate, departure),
    followUpPlanRef: followUp ? index.keyOf(followUp) : null,
    arrangedBy: typeof answers['travel-arranged-by'] === 'string' ? answers['travel-arranged-by'] : null,
    lodgingArrangedBy: typeof answers['lodging-arranged-by'] === 'string' ? answers['lodging-arranged-by'] : null,
    evidenceRefs,
  };
}

export function vulnerabilityFacts(ctx: GatherContext): VulnerabilityFacts {
  const facts: VulnerabilityFacts = {
    financialStrainRef: null,
    unemployedRef: null,
    immigrationStatus: null,
    immigrationStatusRef: null,
    economicAssessmentRefs: [],
  };
  for (const e of donorObservations(ctx)) {
    const o = e.resource as Observation;
    const ref = ctx.index.keyOf(e);
    if (hasCode(o.code, CS.loinc, LOINC.financialStrain) || hasCode(o.code, CS.loinc, LOINC.employmentStatus))
      facts.economicAssessmentRefs.push(ref);
    if (hasCode(o.code, CS.loinc, LOINC.financialStrain)) {
      // LOINC answers LA15832-1 "Very hard" and LA14745-7 "Hard" (scale "hard to pay for basics").
      const code = codeIn(o.valueCodeableConcept, CS.loinc);
      if (code === 'LA15832-1' || code === 'LA14745-7' || code === 'LA22683-9') facts.financialStrainRef = ref;
    }
    if (hasCode(o.code, CS.loinc, LOINC.employmentStatus)) {
      const label = (conceptLabel(o.valueCodeableConcept) ?? '').toLowerCase();
      if (label.includes('unemployed')) facts.unemployedRef = ref;
    }
    if (hasCode(o.code, CS.workup, 'immigration-status')) {
      facts.immigrationStatus = conceptLabel(o.valueCodeableConcept) ?? o.valueString ?? null;
      facts.immigrationStatusRef = ref;
    }
  }
  return facts;
}

/**
 * Recorded birth dates that disagree beyond clerical noise: different years, or full dates that differ
 * other than by a default 1 January or a day/month swap (red-flags.md consent.donor-minor-or-age-disputed FP).
 */
export function birthDatesConflict(dates: string[]): boolean {
  if (dates.length < 2) return false;
  if (new Set(dates.map((d) => d.slice(0, 4))).size > 1) return true;
  const specific = dates.filter((d) => d.length === 10 && d.slice(5) !== '01-01');
  if (specific.length > 2) return true;
  if (specific.length === 2) {
    const [a, b] = specific as [string, string];
    const swapped = a.slice(5, 7) === b.slice(8, 10) && a.slice(8, 10) === b.slice(5, 7);
    return !swapped;
  }
  return false;
}

/** Names of Organizations typed workup#donor-hostel, once per pool: a population pool has many donors. */
const HOSTEL_NAMES = new WeakMap<ResourceIndex, string[]>();

function hostelNamesIn(index: ResourceIndex): string[] {
  let names = HOSTEL_NAMES.get(index);
  if (!names) {
    names = index
      .ofType('Organization')
      .map((e) => e.resource as Organization)
      .filter((o) => o.active !== false && hasCode(o.type, CS.workup, 'donor-hostel'))
      .flatMap((o) => [
        o.name,
        ...(Array.isArray(o.alias) ? o.alias : []),
        ...(Array.isArray(o.address) ? o.address : []).map((a) => (Array.isArray(a?.line) ? a.line[0] : undefined)),
      ])
      .filter((h): h is string => typeof h === 'string' && h.trim().length > 3)
      .map((h) => h.trim().toLowerCase());
    HOSTEL_NAMES.set(index, names);
  }
  return names;
}
