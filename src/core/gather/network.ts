import type {
  Address,
  ContactPoint,
  EpisodeOfCare,
  HumanName,
  Patient,
  Procedure,
  QuestionnaireResponseItem,
} from 'fhir/r4.js';
import type { PooledResource, ResourceIndex } from '../fhir/resource-index.js';
import { CS, SAFEGUARDING_QUESTIONNAIRE } from '../fhir/codes.js';
import { hasCode } from '../fhir/coding.js';
import type { Settings } from '../settings.js';
import type {
  FormerDonorMatch,
  IdentityMatch,
  NetworkFacts,
  NetworkVia,
  SharedContactFacts,
  SharedIntermediaryFacts,
} from '../workup/types.js';
import { type GatherContext, payerKind } from './context.js';
import { findDonors, isDonorSurgeryCode, isOpenDonorEpisode } from './find-donors.js';
import { findParties } from './relationship.js';

/**
 * Network facts (red-flags.md §4.9): what this donation shares with the other donations in the same
 * pool of resources (one Bundle, or what a Bulk Data group or CDS Hooks prefetch loaded). People are
 * matched by identity, never by nationality: the same resource, a normalised telephone number (digits
 * only, with country code), an e-mail address, or a name together with an address.
 *
 * The pool-level index is built once per ResourceIndex (and settings) and cached; each donor's facts
 * are then lookups. Keys leave this module only hashed, so no telephone number or name reaches an alert.
 */

type Role = 'donor' | 'emergency-contact' | 'related-person';
type ContactKind = SharedContactFacts['kind'];

interface Identity {
  /** Internal match keys: `res:`, `tel:`, `email:`, `name-addr:`. */
  keys: string[];
  /** Keys other than the resource itself: false means the party cannot be matched across donors. */
  matchable: boolean;
}

interface ContactValue {
  kind: ContactKind;
  role: Role;
  ref: string;
  keys: string[];
  allowListed: boolean;
  professional: boolean;
}

interface Party {
  entry: PooledResource;
  ref: string;
  role: SharedIntermediaryFacts['role'];
  kind: SharedIntermediaryFacts['kind'];
  keys: string[];
}

interface PoolDonor {
  entry: PooledResource;
  key: string;
  past: boolean;
  donationRef: string | null;
  /** Keys of the pair's people (donor, recipient and the people linked to them): pairs sharing one are related. */
  circle: Set<string>;
  /** The donor, the recipient and the RelatedPersons that stand for them (the relationship claim). */
  pairRecords: Set<PooledResource>;
  contacts: ContactValue[];
  intermediaries: Party[];
  identity: Identity;
}

interface NetworkPool {
  donors: Map<PooledResource, PoolDonor>;
  /** Donors whose record could not be read: left out of the comparison, and said so. */
  unreadable: Set<PooledResource>;
  formerDonors: PoolDonor[];
  formerByKey: Map<string, PoolDonor[]>;
  contactsByKey: Map<string, Array<{ donor: PoolDonor; value: ContactValue }>>;
  partiesByKey: Map<string, Array<{ donor: PoolDonor; party: Party }>>;
  /** Identity keys of people affiliated to the programme (a PractitionerRole of a recognised organisation). */
  affiliatedKeys: Set<string>;
  /** Telecom keys of the centre, public bodies, professional interpreters and interpreter agencies. */
  institutionalKeys: Set<string>;
  /** Lower-cased hostel names and first address lines: settings allow-list plus `workup#donor-hostel` Organizations. */
  hostels: string[];
  hostelKeys: Set<string>;
}

const pools = new WeakMap<ResourceIndex, { settings: Settings; pool: NetworkPool }>();

// ---------------------------------------------------------------------------------------------------------
// Normalisation

function list<T>(value: T[] | T | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined && v !== null);
}

/** ITU country calling codes for the countries a centre is likely to see; unknown countries keep the digits. */
const CALLING_CODES: Record<string, string> = {
  GB: '44',
  IE: '353',
  US: '1',
  CA: '1',
  AU: '61',
  NZ: '64',
  FR: '33',
  DE: '49',
  ES: '34',
  IT: '39',
  NL: '31',
  BE: '32',
  PT: '351',
  PL: '48',
  RO: '40',
  MD: '373',
  UA: '380',
  RU: '7',
  KZ: '7',
  BY: '375',
  BG: '359',
  GR: '30',
  CY: '357',
  TR: '90',
  IL: '972',
  EG: '20',
  LB: '961',
  JO: '962',
  SA: '966',
  AE: '971',
  IR: '98',
  IQ: '964',
  NG: '234',
  GH: '233',
  KE: '254',
  ZA: '27',
  ET: '251',
  SO: '252',
  IN: '91',
  PK: '92',
  BD: '880',
  LK: '94',
  NP: '977',
  AF: '93',
  PH: '63',
  CN: '86',
  VN: '84',
  TH: '66',
  MY: '60',
  ID: '62',
  BR: '55',
  CO: '57',
  CR: '506',
  MX: '52',
  AR: '54',
  PE: '51',
  XK: '383',
  AL: '355',
  RS: '381',
  MK: '389',
  HU: '36',
  CZ: '420',
  SK: '421',
  LT: '370',
  LV: '371',
  EE: '372',
};
/** Countries whose national numbers keep their leading 0 after the country code. */
const TRUNK_ZERO_KEPT = new Set(['IT', 'SM', 'VA']);

/**
 * Candidate international forms of a telephone number, digits only with the country code. A number
 * written nationally (07700 900417) is read in the holder's country and in the centre's country.
 */
export function phoneKeys(raw: unknown, countries: Array<string | null | undefined>): string[] {
  if (typeof raw !== 'string') return [];
  const text = raw.trim();
  const digits = text.replace(/\D/g, '');
  if (digits.length < 6) return [];
  if (text.startsWith('+')) return [digits];
  if (digits.startsWith('00')) return [digits.slice(2)];
  const out = new Set<string>();
  for (const country of countries) {
    const code = country ? CALLING_CODES[country.toUpperCase()] : undefined;
    if (!code || !country) continue;
    if (digits.startsWith('0')) out.add(code + (TRUNK_ZERO_KEPT.has(country.toUpperCase()) ? digits : digits.slice(1)));
    else if (code === '1' && digits.length === 10) out.add('1' + digits);
  }
  // Already international without the "+", or no country to read it in.
  if (out.size === 0) out.add(digits);
  return [...out];
}

function words(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function nameKeys(names: HumanName[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    if (!n || typeof n !== 'object') continue;
    const family = words(n.family);
    const given = words(list(n.given)[0]);
    if (family && given) out.add(`${given} ${family}`);
    else if (!family && !given && typeof n.text === 'string') {
      const text = words(n.text);
      if (text.includes(' ')) out.add(text);
    }
  }
  return [...out];
}

function addressKey(a: Address | undefined): string | null {
  if (!a || typeof a !== 'object') return null;
  const line = words(list(a.line).join(' '));
  const place = words(a.postalCode).replace(/ /g, '') || words(a.city);
  if (!line || !place) return null;
  return `${line}|${place}`;
}

function countryOf(addresses: Address[]): string | null {
  const home = addresses.find((a) => a?.use === 'home') ?? addresses.find((a) => a?.use !== 'temp' && a?.use !== 'old');
  const c = typeof home?.country === 'string' ? home.country.trim().toUpperCase() : '';
  return /^[A-Z]{2}$/.test(c) ? c : null;
}

function telecomKeys(
  telecom: ContactPoint[],
  countries: Array<string | null | undefined>,
): Array<{ kind: 'telephone' | 'email'; keys: string[] }> {
  const out: Array<{ kind: 'telephone' | 'email'; keys: string[] }> = [];
  for (const t of telecom) {
    if (!t || typeof t.value !== 'string') continue;
    if (t.system === 'email') {
      const email = t.value
        .trim()
        .toLowerCase()
        .replace(/^mailto:/, '');
      if (email.includes('@')) out.push({ kind: 'email', keys: [`email:${email}`] });
    } else if (t.system === 'phone' || t.system === 'sms' || t.system === undefined || t.system === 'other') {
      const keys = phoneKeys(t.value, countries).map((d) => `tel:${d}`);
      if (keys.length > 0) out.push({ kind: 'telephone', keys });
    }
  }
  return out;
}

/** Identity keys of a person-like record: the resource, telecom, and name with address. */
function identityOf(
  refKey: string | null,
  names: HumanName[],
  telecom: ContactPoint[],
  addresses: Address[],
  countries: Array<string | null | undefined>,
): Identity {
  const keys = new Set<string>();
  if (refKey) keys.add(`res:${refKey}`);
  for (const t of telecomKeys(telecom, countries)) for (const k of t.keys) keys.add(k);
  const homeish = addresses.filter((a) => a && a.use !== 'old');
  for (const n of nameKeys(names)) {
    for (const a of homeish) {
      const ak = addressKey(a);
      if (ak) keys.add(`name-addr:${n}|${ak}`);
    }
  }
  const all = [...keys];
  return { keys: all, matchable: all.some((k) => !k.startsWith('res:')) };
}

function entryIdentity(index: ResourceIndex, entry: PooledResource, centre: string | null): Identity {
  const r = entry.resource;
  const key = index.keyOf(entry);
  switch (r.resourceType) {
    case 'Patient':
    case 'RelatedPerson':
    case 'Practitioner': {
      const addresses = list(r.address);
      let holderCountry = countryOf(addresses);
      if (!holderCountry && r.resourceType === 'RelatedPerson') {
        const patient = index.resolve(r.patient, entry)?.resource;
        if (patient?.resourceType === 'Patient') holderCountry = countryOf(list(patient.address));
      }
      return identityOf(key, list(r.name), list(r.telecom), addresses, [holderCountry, centre]);
    }
    case 'PractitionerRole': {
      const practitioner = index.resolve(r.practitioner, entry);
      const own = identityOf(key, [], list(r.telecom), [], [centre]);
      if (practitioner?.resource.resourceType !== 'Practitioner') return own;
      const p = entryIdentity(index, practitioner, centre);
      return { keys: [...new Set([...own.keys, ...p.keys])], matchable: own.matchable || p.matchable };
    }
    case 'Organization':
      return identityOf(key, [], list(r.telecom), [], [countryOf(list(r.address)), centre]);
    default:
      return { keys: [`res:${key}`], matchable: false };
  }
}

/** FNV-1a 64-bit of a normalised key: an identity, not a secret, and never the raw value. */
function hashKey(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

function matchKinds(keys: string[]): IdentityMatch[] {
  const kinds = new Set<IdentityMatch>();
  for (const k of keys) {
    if (k.startsWith('res:')) kinds.add('same-resource');
    else if (k.startsWith('tel:')) kinds.add('telephone');
    else if (k.startsWith('email:')) kinds.add('email');
    else if (k.startsWith('name-addr:')) kinds.add('name-and-address');
  }
  return [...kinds].sort();
}

// ---------------------------------------------------------------------------------------------------------
// Who is professional, affiliated or a hostel

function isQualifiedInterpreter(index: ResourceIndex, entry: PooledResource | undefined, depth = 0): boolean {
  if (!entry || depth > 2) return false;
  const r = entry.resource;
  if (r.resourceType === 'Practitioner')
    return list(r.qualification).some((q) => hasCode(q?.code, CS.workup, 'medical-interpreter'));
  if (r.resourceType === 'PractitionerRole') {
    if (list(r.code).some((c) => hasCode(c, CS.workup, 'medical-interpreter'))) return true;
    return isQualifiedInterpreter(index, index.resolve(r.practitioner, entry), depth + 1);
  }
  return false;
}

/** The centre, public bodies, insurers, charities, exchange programmes and hostels: not a facilitator or an unknown body. */
function isRecognisedOrganisation(ctx: GatherContext, entry: PooledResource | undefined): boolean {
  if (entry?.resource.resourceType !== 'Organization') return false;
  if (hasCode(entry.resource.type, CS.workup, 'donor-hostel')) return true;
  let kind: ReturnType<typeof payerKind>;
  try {
    kind = payerKind(ctx, entry);
  } catch {
    // A malformed Organization elsewhere in the pool must not stop this donor's screen: it is not recognised.
    return false;
  }
  return kind !== 'facilitator' && kind !== 'licensed-facilitator' && kind !== 'unknown-organization';
}

function hostelTexts(index: ResourceIndex, settings: Settings): string[] {
  const texts = index
    .ofType('Organization')
    .map((e) => e.resource)
    .filter(
      (o) => o.resourceType === 'Organization' && o.active !== false && hasCode(o.type, CS.workup, 'donor-hostel'),
    )
    .flatMap((o) =>
      o.resourceType === 'Organization'
        ? [o.name, ...list(o.alias), ...list(o.address).map((a) => list(a?.line)[0])]
        : [],
    )
    .filter((h): h is string => typeof h === 'string' && h.trim().length > 3)
    .map((h) => h.trim());
  return [...list(settings.allowLists?.hostels), ...texts].map((h) => h.toLowerCase());
}

function tempAddressText(a: Address): string {
  return [...list(a.line), a.city, a.postalCode, a.text]
    .filter((s) => typeof s === 'string' && s.length > 0)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------------------
// The pool

/** Patients with a completed donor-surgery Procedure and no open living-donor evaluation (find-donors.ts). */
function formerDonations(index: ResourceIndex): Map<PooledResource, PooledResource> {
  const out = new Map<PooledResource, PooledResource>();
  for (const e of index.ofType('Procedure')) {
    const p = e.resource as Procedure;
    if (p.status !== 'completed' || !isDonorSurgeryCode(p.code)) continue;
    const subject = index.resolve(p.subject, e);
    if (subject?.resource.resourceType === 'Patient' && !out.has(subject)) out.set(subject, e);
  }
  for (const e of index.ofType('EpisodeOfCare')) {
    if (!isOpenDonorEpisode(e.resource as EpisodeOfCare)) continue;
    const patient = index.resolve((e.resource as EpisodeOfCare).patient, e);
    if (patient) out.delete(patient);
  }
  return out;
}

/** RelatedPersons that stand for `person` (linked from its Patient.link) and people linked to it. */
function linkedPeople(
  index: ResourceIndex,
  person: PooledResource,
): { self: Set<PooledResource>; relatives: Set<PooledResource> } {
  const self = new Set<PooledResource>();
  const relatives = new Set<PooledResource>();
  if (person.resource.resourceType !== 'Patient') return { self, relatives };
  for (const link of list(person.resource.link)) {
    const rp = index.resolve(link?.other, person);
    if (!rp) continue;
    if (rp.resource.resourceType === 'RelatedPerson') {
      self.add(rp);
      const of = index.resolve(rp.resource.patient, rp);
      if (of && of !== person) relatives.add(of);
    } else if (rp.resource.resourceType === 'Patient') relatives.add(rp);
  }
  for (const rp of index.referrers(person)) {
    if (rp.resource.resourceType !== 'RelatedPerson' || index.resolve(rp.resource.patient, rp) !== person) continue;
    for (const holder of index.referrers(rp)) {
      if (holder !== person && holder.resource.resourceType === 'Patient') relatives.add(holder);
    }
  }
  return { self, relatives };
}

function describeDonor(
  ctx: GatherContext,
  pool: Pick<NetworkPool, 'affiliatedKeys' | 'institutionalKeys' | 'hostels' | 'hostelKeys'>,
  entry: PooledResource,
  donation: PooledResource | null,
): PoolDonor {
  const { index } = ctx;
  const centre = ctx.settings.centreCountry ?? null;
  const parties = findParties(index, entry, []);
  const recipient = parties.recipient;
  const key = index.keyOf(entry);
  const patient = entry.resource as Patient;
  const homeCountry = countryOf(list(patient.address));

  // The pair: donor, recipient, the RelatedPersons that stand for them, and the people linked to them.
  const members = [entry, ...(recipient ? [recipient] : [])];
  const selfRecords = new Set<PooledResource>(parties.claim ? [parties.claim] : []);
  const circle = new Set<string>();
  for (const m of members) {
    circle.add(index.keyOf(m));
    const { self, relatives } = linkedPeople(index, m);
    for (const s of self) selfRecords.add(s);
    for (const r of relatives) circle.add(index.keyOf(r));
  }
  const pairRecords = new Set<PooledResource>([...members, ...selfRecords]);
  const isPairMember = (e: PooledResource | undefined): boolean => !!e && pairRecords.has(e);

  // Contact values (network.shared-contact-across-donors).
  const contacts: ContactValue[] = [];
  const addTelecom = (telecom: ContactPoint[], role: Role, ref: string, countries: Array<string | null>): void => {
    for (const t of telecomKeys(telecom, countries)) {
      contacts.push({
        kind: t.kind,
        role,
        ref,
        keys: t.keys,
        allowListed: t.keys.some((k) => pool.hostelKeys.has(k)),
        professional: t.keys.some((k) => pool.institutionalKeys.has(k)),
      });
    }
  };
  addTelecom(list(patient.telecom), 'donor', key, [homeCountry, centre]);
  for (const a of list(patient.address)) {
    if (a?.use !== 'temp') continue;
    const ak = addressKey(a);
    if (!ak) continue;
    const text = tempAddressText(a).toLowerCase();
    contacts.push({
      kind: 'temporary-address',
      role: 'donor',
      ref: key,
      keys: [`addr:${ak}`],
      allowListed: pool.hostels.some((h) => text.includes(h)),
      professional: false,
    });
  }
  for (const c of list(patient.contact)) {
    if (!c || typeof c !== 'object') continue;
    const countries = [countryOf(list(c.address)), homeCountry, centre];
    addTelecom(list(c.telecom), 'emergency-contact', key, countries);
    const person = identityOf(null, list(c.name), [], list(c.address), countries).keys;
    if (person.length > 0)
      contacts.push({
        kind: 'contact-person',
        role: 'emergency-contact',
        ref: key,
        keys: person,
        allowListed: false,
        professional: false,
      });
  }
  const relatedPeople = index
    .referrers(entry)
    .filter(
      (e) =>
        e.resource.resourceType === 'RelatedPerson' &&
        index.resolve(e.resource.patient, e) === entry &&
        !isPairMember(e),
    );
  for (const rp of relatedPeople) {
    if (rp.resource.resourceType !== 'RelatedPerson') continue;
    const rpKey = index.keyOf(rp);
    const countries = [countryOf(list(rp.resource.address)), homeCountry, centre];
    addTelecom(list(rp.resource.telecom), 'related-person', rpKey, countries);
  }

  // Intermediaries (network.shared-intermediary-or-interpreter): non-professional interpreters,
  // companions at any encounter, and the other RelatedPersons of donor and recipient.
  const intermediaries = new Map<PooledResource, Party>();
  const addParty = (e: PooledResource | undefined, role: Party['role']): void => {
    if (!e || isPairMember(e) || intermediaries.has(e)) return;
    const type = e.resource.resourceType;
    let kind: Party['kind'];
    if (type === 'RelatedPerson' || type === 'Patient') kind = 'lay';
    else if (type === 'Practitioner' || type === 'PractitionerRole') {
      if (role !== 'interpreter' || isQualifiedInterpreter(index, e)) return;
      kind = 'practitioner-unqualified';
    } else return;
    intermediaries.set(e, { entry: e, ref: index.keyOf(e), role, kind, keys: entryIdentity(index, e, centre).keys });
  };
  for (const enc of index.referrers(entry)) {
    if (enc.resource.resourceType !== 'Encounter' || index.resolve(enc.resource.subject, enc) !== entry) continue;
    for (const p of list(enc.resource.participant)) {
      if (!p?.individual) continue;
      const individual = index.resolve(p.individual, enc);
      const translator = list(p.type).some((t) => hasCode(t, CS.participantTypeFhir, 'translator'));
      if (translator) addParty(individual, 'interpreter');
    }
  }
  for (const enc of index.referrers(entry)) {
    if (enc.resource.resourceType !== 'Encounter' || index.resolve(enc.resource.subject, enc) !== entry) continue;
    for (const p of list(enc.resource.participant)) {
      const individual = p?.individual ? index.resolve(p.individual, enc) : undefined;
      if (individual?.resource.resourceType === 'RelatedPerson' || individual?.resource.resourceType === 'Patient')
        addParty(individual, 'companion');
    }
  }
  for (const m of members) {
    for (const rp of index.referrers(m)) {
      if (rp.resource.resourceType === 'RelatedPerson' && index.resolve(rp.resource.patient, rp) === m)
        addParty(rp, 'relative');
    }
  }

  return {
    entry,
    key,
    past: donation !== null,
    donationRef: donation ? index.keyOf(donation) : null,
    circle,
    pairRecords,
    contacts,
    intermediaries: [...intermediaries.values()],
    identity: identityOf(`${key}`, list(patient.name), list(patient.telecom), list(patient.address), [
      homeCountry,
      centre,
    ]),
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const l = map.get(key);
  if (l) l.push(value);
  else map.set(key, [value]);
}

function buildPool(ctx: GatherContext): NetworkPool {
  const { index, settings } = ctx;
  const centre = settings.centreCountry ?? null;
  const hostels = hostelTexts(index, settings);

  const institutionalKeys = new Set<string>();
  const hostelKeys = new Set<string>();
  const affiliatedKeys = new Set<string>();
  const telecomOnly = (keys: string[]): string[] => keys.filter((k) => k.startsWith('tel:') || k.startsWith('email:'));
  for (const e of index.ofType('Organization')) {
    if (e.resource.resourceType !== 'Organization') continue;
    const keys = telecomOnly(entryIdentity(index, e, centre).keys);
    if (hasCode(e.resource.type, CS.workup, 'donor-hostel')) for (const k of keys) hostelKeys.add(k);
    else if (isRecognisedOrganisation(ctx, e)) for (const k of keys) institutionalKeys.add(k);
  }
  for (const e of index.ofType('PractitionerRole')) {
    if (e.resource.resourceType !== 'PractitionerRole') continue;
    const org = index.resolve(e.resource.organization, e);
    const interpreter = isQualifiedInterpreter(index, e);
    const keys = entryIdentity(index, e, centre).keys;
    // Interpreter agencies: the organisation of a qualified interpreter's role.
    if (interpreter && org)
      for (const k of telecomOnly(entryIdentity(index, org, centre).keys)) institutionalKeys.add(k);
    if (e.resource.active !== false && isRecognisedOrganisation(ctx, org)) for (const k of keys) affiliatedKeys.add(k);
  }
  const agencyStaff = new Set<PooledResource>();
  for (const e of index.ofType('PractitionerRole')) {
    if (e.resource.resourceType !== 'PractitionerRole') continue;
    const org = index.resolve(e.resource.organization, e);
    const practitioner = index.resolve(e.resource.practitioner, e);
    if (practitioner && org && !isRecognisedOrganisation(ctx, org)) agencyStaff.add(practitioner);
  }
  // Clinicians and professional interpreters; not agency staff.
  for (const e of index.ofType('Practitioner')) {
    if (agencyStaff.has(e) && !isQualifiedInterpreter(index, e)) continue;
    for (const k of telecomOnly(entryIdentity(index, e, centre).keys)) institutionalKeys.add(k);
  }

  const base = { affiliatedKeys, institutionalKeys, hostels, hostelKeys };
  const donors = new Map<PooledResource, PoolDonor>();
  const formerDonors: PoolDonor[] = [];
  const formerByKey = new Map<string, PoolDonor[]>();
  const unreadable = new Set<PooledResource>();
  // One malformed record must not stop every other donor's screen: it is left out, and said so.
  const describe = (d: PooledResource, donation: PooledResource | null): PoolDonor | undefined => {
    try {
      return describeDonor(ctx, base, d, donation);
    } catch {
      unreadable.add(d);
      return undefined;
    }
  };
  for (const d of findDonors(index)) {
    const described = describe(d, null);
    if (described) donors.set(d, described);
  }
  for (const [patient, procedure] of formerDonations(index)) {
    if (donors.has(patient) || unreadable.has(patient)) continue;
    const former = describe(patient, procedure);
    if (!former) continue;
    donors.set(patient, former);
    formerDonors.push(former);
    for (const k of former.identity.keys) push(formerByKey, k, former);
  }
  const contactsByKey = new Map<string, Array<{ donor: PoolDonor; value: ContactValue }>>();
  const partiesByKey = new Map<string, Array<{ donor: PoolDonor; party: Party }>>();
  for (const donor of donors.values()) {
    for (const value of donor.contacts) for (const k of value.keys) push(contactsByKey, k, { donor, value });
    for (const party of donor.intermediaries) for (const k of party.keys) push(partiesByKey, k, { donor, party });
  }
  return { donors, unreadable, formerDonors, formerByKey, contactsByKey, partiesByKey, ...base };
}

function poolOf(ctx: GatherContext): NetworkPool {
  const cached = pools.get(ctx.index);
  if (cached && cached.settings === ctx.settings) return cached.pool;
  const pool = buildPool(ctx);
  pools.set(ctx.index, { settings: ctx.settings, pool });
  return pool;
}

function related(a: PoolDonor, b: PoolDonor): boolean {
  for (const k of a.circle) if (b.circle.has(k)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// One donor's facts

function travelArrangers(ctx: GatherContext): PooledResource[] {
  const { index, donor } = ctx;
  const out: PooledResource[] = [];
  const walk = (items: QuestionnaireResponseItem[] | undefined, from: PooledResource, depth: number): void => {
    if (depth > 8) return;
    for (const item of list(items)) {
      if (item?.linkId === 'travel-arranged-by-whom') {
        for (const a of list(item.answer)) {
          const party = a?.valueReference ? index.resolve(a.valueReference, from) : undefined;
          if (party) out.push(party);
        }
      }
      walk(item?.item, from, depth + 1);
      for (const a of list(item?.answer)) walk(a?.item, from, depth + 1);
    }
  };
  for (const e of index.referrers(donor)) {
    const q = e.resource;
    if (q.resourceType !== 'QuestionnaireResponse' || index.resolve(q.subject, e) !== donor) continue;
    if (typeof q.questionnaire !== 'string' || q.questionnaire.split('|')[0] !== SAFEGUARDING_QUESTIONNAIRE) continue;
    if (q.status === 'entered-in-error' || q.status === 'stopped') continue;
    walk(q.item, e, 0);
  }
  return out;
}

/** Who appears around this donor in the roles §4.9 names for a recruiter. */
function donorSideParties(
  ctx: GatherContext,
  self: PoolDonor,
): Array<{ entry: PooledResource | null; ref: string; via: NetworkVia; identity: Identity; named: boolean }> {
  const { index, donor } = ctx;
  const centre = ctx.settings.centreCountry ?? null;
  const patient = donor.resource as Patient;
  const out: Array<{ entry: PooledResource | null; ref: string; via: NetworkVia; identity: Identity; named: boolean }> =
    [];
  const add = (e: PooledResource | undefined, via: NetworkVia): void => {
    if (!e || self.pairRecords.has(e)) return;
    out.push({ entry: e, ref: index.keyOf(e), via, identity: entryIdentity(index, e, centre), named: true });
  };
  for (const enc of index.referrers(donor)) {
    if (enc.resource.resourceType !== 'Encounter' || index.resolve(enc.resource.subject, enc) !== donor) continue;
    for (const p of list(enc.resource.participant)) {
      if (!p?.individual) continue;
      const individual = index.resolve(p.individual, enc);
      const translator = list(p.type).some((t) => hasCode(t, CS.participantTypeFhir, 'translator'));
      add(individual, translator ? 'interpreter' : 'companion');
    }
  }
  for (const rp of index.referrers(donor)) {
    if (rp.resource.resourceType === 'RelatedPerson' && index.resolve(rp.resource.patient, rp) === donor)
      add(rp, 'companion');
  }
  const homeCountry = countryOf(list(patient.address));
  for (const c of list(patient.contact)) {
    if (!c || typeof c !== 'object') continue;
    const identity = identityOf(null, list(c.name), list(c.telecom), list(c.address), [
      countryOf(list(c.address)),
      homeCountry,
      centre,
    ]);
    out.push({
      entry: null,
      ref: index.keyOf(donor),
      via: 'contact',
      identity,
      named: nameKeys(list(c.name)).length > 0,
    });
  }
  for (const e of index.referrers(donor)) {
    const r = e.resource;
    if (r.resourceType === 'ServiceRequest' && index.resolve(r.subject, e) === donor)
      add(index.resolve(r.requester, e), 'referrer');
    if (r.resourceType === 'EpisodeOfCare' && index.resolve(r.patient, e) === donor) {
      for (const ref of list(r.referralRequest)) {
        const sr = index.resolve(ref, e);
        if (sr?.resource.resourceType === 'ServiceRequest') add(index.resolve(sr.resource.requester, sr), 'referrer');
      }
    }
  }
  for (const party of travelArrangers(ctx)) add(party, 'travel-arranger');
  return out;
}

export function networkFacts(ctx: GatherContext): NetworkFacts {
  const pool = poolOf(ctx);
  const { donor } = ctx;
  const self = pool.donors.get(donor) ?? describeDonor(ctx, pool, donor, null);
  const unreadableOthers = [...pool.unreadable].filter((d) => d !== donor).length;
  if (unreadableOthers > 0) {
    ctx.notChecked.push(
      `network checks: ${unreadableOthers} other donor record(s) in the same data could not be read, so were not compared with this donor`,
    );
  }

  // network.former-donor-as-recruiter
  const formerDonorMatches: FormerDonorMatch[] = [];
  const seen = new Set<string>();
  const unmatchable = new Set<string>();
  for (const party of donorSideParties(ctx, self)) {
    // A RelatedPerson or a named Patient.contact without telephone, e-mail or address cannot be matched;
    // Patients, practitioners and organisations are matched as resources.
    if (
      !party.identity.matchable &&
      (party.entry === null ? party.named : party.entry.resource.resourceType === 'RelatedPerson')
    )
      unmatchable.add(party.ref);
    const byFormer = new Map<PoolDonor, string[]>();
    for (const k of party.identity.keys)
      for (const f of pool.formerByKey.get(k) ?? []) if (f !== self) push(byFormer, f, k);
    for (const [former, keys] of byFormer) {
      const id = `${party.ref}|${former.key}|${party.via}`;
      if (seen.has(id)) continue;
      seen.add(id);
      formerDonorMatches.push({
        ref: party.ref,
        formerDonorRef: former.key,
        donationRef: former.donationRef,
        via: party.via,
        matchedOn: matchKinds(keys),
        affiliated: party.identity.keys.some((k) => pool.affiliatedKeys.has(k)),
      });
    }
  }

  // network.shared-intermediary-or-interpreter
  const sharedIntermediaries: SharedIntermediaryFacts[] = [];
  for (const party of self.intermediaries) {
    const matches = new Map<PoolDonor, { refs: Set<string>; keys: Set<string> }>();
    for (const k of party.keys) {
      for (const { donor: other, party: theirs } of pool.partiesByKey.get(k) ?? []) {
        if (other === self || related(self, other)) continue;
        const m = matches.get(other) ?? { refs: new Set<string>(), keys: new Set<string>() };
        m.refs.add(theirs.ref);
        m.keys.add(k);
        matches.set(other, m);
      }
    }
    if (matches.size === 0) continue;
    const otherDonors = [...matches.keys()].map((d) => d.key).sort();
    sharedIntermediaries.push({
      ref: party.ref,
      role: party.role,
      kind: party.kind,
      matchedOn: matchKinds([...matches.values()].flatMap((m) => [...m.keys])),
      otherDonors,
      otherRefs: [...new Set([...matches.values()].flatMap((m) => [...m.refs]))].sort(),
      pairCount: 1 + otherDonors.length,
    });
  }

  // network.shared-contact-across-donors: a value already reported as a former donor or a shared
  // intermediary of the same other donor is not reported twice.
  const reportedElsewhere = (ref: string, other: PoolDonor): boolean =>
    formerDonorMatches.some((m) => m.ref === ref && m.formerDonorRef === other.key) ||
    sharedIntermediaries.some((s) => s.ref === ref && s.otherDonors.includes(other.key));
  const byValue = new Map<string, SharedContactFacts & { matched: Set<PoolDonor> }>();
  for (const value of self.contacts) {
    for (const k of value.keys) {
      for (const { donor: other, value: theirs } of pool.contactsByKey.get(k) ?? []) {
        if (other === self || related(self, other) || reportedElsewhere(value.ref, other)) continue;
        const id = `${value.kind}:${hashKey(k)}`;
        const entry = byValue.get(id) ?? {
          key: id,
          kind: value.kind,
          roles: [],
          refs: [],
          otherDonors: [],
          otherRefs: [],
          donorCount: 1,
          allowListed: false,
          professional: false,
          matched: new Set<PoolDonor>(),
        };
        if (!entry.roles.includes(value.role)) entry.roles.push(value.role);
        if (!entry.refs.includes(value.ref)) entry.refs.push(value.ref);
        if (!entry.otherRefs.includes(theirs.ref)) entry.otherRefs.push(theirs.ref);
        entry.matched.add(other);
        entry.allowListed ||= value.allowListed || theirs.allowListed;
        entry.professional ||= value.professional || theirs.professional;
        byValue.set(id, entry);
      }
    }
  }
  const sharedContacts: SharedContactFacts[] = [...byValue.values()]
    .map(({ matched, ...c }) => ({
      ...c,
      roles: c.roles.sort(),
      refs: c.refs.sort(),
      otherRefs: c.otherRefs.sort(),
      otherDonors: [...matched].map((d) => d.key).sort(),
      donorCount: 1 + matched.size,
    }))
    .sort((a, b) => a.key.localeCompare(b.key));

  return {
    otherDonorsInPool: pool.donors.size - (pool.donors.get(donor) === self ? 1 : 0),
    formerDonorsInPool: pool.formerDonors.length - (self.past && pool.formerDonors.includes(self) ? 1 : 0),
    formerDonorMatches: formerDonorMatches.sort(
      (a, b) =>
        a.ref.localeCompare(b.ref) || a.via.localeCompare(b.via) || a.formerDonorRef.localeCompare(b.formerDonorRef),
    ),
    sharedContacts,
    sharedIntermediaries: sharedIntermediaries.sort((a, b) => a.ref.localeCompare(b.ref)),
    unmatchableRefs: [...unmatchable].sort(),
  };
}
