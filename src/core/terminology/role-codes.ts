import type { RelationClass } from '../workup/types.js';

/**
 * Subsumption over the v3 RoleCode personal-relationship hierarchy. The hierarchy itself is data
 * (`rules/terminology/v3-rolecode.yaml`), loaded by an adapter and passed in, so a centre can extend it.
 */
export interface RoleCodeHierarchy {
  /** code → its direct parents. */
  parents: Readonly<Record<string, readonly string[]>>;
}

export function ancestorsAndSelf(hierarchy: RoleCodeHierarchy, code: string): string[] {
  const seen = new Set<string>();
  const stack = [code];
  while (stack.length > 0) {
    const c = stack.pop() as string;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const p of hierarchy.parents[c] ?? []) stack.push(p);
  }
  return [...seen];
}

const NOT_GENETIC = ['STPPRN', 'STPCHLD', 'STPSIB', 'ADOPTP', 'CHILDADOPT', 'ADOPT', 'PRNFOST', 'CHLDFOST', 'INLAW', 'GESTM'];
const IDENTICAL_TWIN = ['ITWIN'];

/** The class a claimed role falls in, read through the hierarchy (never by leaf lists). */
export function classify(roles: readonly string[], code: string): { relationClass: RelationClass; biological: boolean } {
  const has = (c: string): boolean => roles.includes(c);
  const genetic = !NOT_GENETIC.some(has);
  if (IDENTICAL_TWIN.some(has)) return { relationClass: 'identical-twin', biological: true };
  if (has('PRN') || has('CHILD')) return { relationClass: 'parent-child', biological: genetic };
  if (has('SIB')) return { relationClass: 'sibling', biological: genetic };
  if (has('SIGOTHR')) return { relationClass: 'spouse-partner', biological: false };
  if (has('EXT')) return { relationClass: 'extended-family', biological: genetic };
  if (code === 'FAMMEMB') return { relationClass: 'family-unspecified', biological: false };
  if (has('FRND') || has('NBOR') || has('ROOM')) return { relationClass: 'unrelated', biological: false };
  return { relationClass: 'other', biological: false };
}

/**
 * The donor's role when the RelatedPerson describes the recipient (patient = donor): if the recipient
 * is the donor's mother (MTH), the donor is her child. Inverses are as specific as the code allows.
 */
const INVERSE: Record<string, string> = {
  MTH: 'CHILD', FTH: 'CHILD', PRN: 'CHILD', NMTH: 'NCHILD', NFTH: 'NCHILD', NPRN: 'NCHILD',
  STPMTH: 'STPCHLD', STPFTH: 'STPCHLD', STPPRN: 'STPCHLD', ADOPTM: 'CHILDADOPT', ADOPTF: 'CHILDADOPT', ADOPTP: 'CHILDADOPT',
  CHILD: 'PRN', SONC: 'PRN', DAUC: 'PRN', NCHILD: 'NPRN', SON: 'NPRN', DAU: 'NPRN',
  STPCHLD: 'STPPRN', STPSON: 'STPPRN', STPDAU: 'STPPRN', CHILDADOPT: 'ADOPTP', SONADOPT: 'ADOPTP', DAUADOPT: 'ADOPTP',
  SIB: 'SIB', BRO: 'SIB', SIS: 'SIB', NSIB: 'NSIB', NBRO: 'NSIB', NSIS: 'NSIB', HSIB: 'HSIB', HBRO: 'HSIB', HSIS: 'HSIB',
  STPSIB: 'STPSIB', STPBRO: 'STPSIB', STPSIS: 'STPSIB',
  TWIN: 'TWIN', TWINBRO: 'TWIN', TWINSIS: 'TWIN', ITWIN: 'ITWIN', ITWINBRO: 'ITWIN', ITWINSIS: 'ITWIN', FTWIN: 'FTWIN', FTWINBRO: 'FTWIN', FTWINSIS: 'FTWIN',
  SPS: 'SPS', HUSB: 'SPS', WIFE: 'SPS', DOMPART: 'DOMPART', SIGOTHR: 'SIGOTHR', FMRSPS: 'FMRSPS',
  GRPRN: 'GRNDCHILD', GRMTH: 'GRNDCHILD', GRFTH: 'GRNDCHILD', MGRMTH: 'GRNDCHILD', MGRFTH: 'GRNDCHILD', PGRMTH: 'GRNDCHILD', PGRFTH: 'GRNDCHILD',
  GRNDCHILD: 'GRPRN', GRNDSON: 'GRPRN', GRNDDAU: 'GRPRN',
  AUNT: 'NIENEPH', UNCLE: 'NIENEPH', MAUNT: 'NIENEPH', PAUNT: 'NIENEPH', MUNCLE: 'NIENEPH', PUNCLE: 'NIENEPH',
  NIENEPH: 'EXT', NIECE: 'EXT', NEPHEW: 'EXT',
  COUSN: 'COUSN', MCOUSN: 'COUSN', PCOUSN: 'COUSN', EXT: 'EXT', FAMMEMB: 'FAMMEMB',
  INLAW: 'INLAW', SIBINLAW: 'SIBINLAW', BROINLAW: 'SIBINLAW', SISINLAW: 'SIBINLAW',
  PRNINLAW: 'CHLDINLAW', MTHINLAW: 'CHLDINLAW', FTHINLAW: 'CHLDINLAW', CHLDINLAW: 'PRNINLAW', SONINLAW: 'PRNINLAW', DAUINLAW: 'PRNINLAW',
  FRND: 'FRND', NBOR: 'NBOR', ROOM: 'ROOM',
};

export function inverseRole(code: string): string {
  return INVERSE[code] ?? code;
}

/**
 * v2-0131 contact-role codes that describe a dependency. Read like RoleCode: the RelatedPerson's role
 * towards its patient. `E` = employer: when the RelatedPerson (the recipient) is the donor's employer,
 * the donor is the subordinate.
 */
export const V2_DEPENDENCY_CODES: Record<string, { display: string; relatedPersonIsSuperior: boolean }> = {
  E: { display: 'employer', relatedPersonIsSuperior: true },
};

/**
 * Words for the codes an inverted claim produces (the RelatedPerson named the recipient's role, so the
 * donor's role is its inverse and has no display in the data). Unknown codes show as the code.
 */
const DISPLAY: Record<string, string> = {
  CHILD: 'child', NCHILD: 'natural child', STPCHLD: 'stepchild', CHILDADOPT: 'adopted child',
  PRN: 'parent', NPRN: 'natural parent', STPPRN: 'step-parent', ADOPTP: 'adoptive parent',
  SIB: 'sibling', NSIB: 'natural sibling', HSIB: 'half-sibling', STPSIB: 'step-sibling',
  TWIN: 'twin', ITWIN: 'identical twin', FTWIN: 'fraternal twin',
  SPS: 'spouse', DOMPART: 'domestic partner', SIGOTHR: 'significant other', FMRSPS: 'former spouse',
  GRPRN: 'grandparent', GRNDCHILD: 'grandchild', NIENEPH: 'niece or nephew', EXT: 'extended family member',
  COUSN: 'cousin', FAMMEMB: 'family member', INLAW: 'in-law', SIBINLAW: 'sibling-in-law',
  CHLDINLAW: 'child-in-law', PRNINLAW: 'parent-in-law', FRND: 'friend', NBOR: 'neighbour', ROOM: 'roommate',
};

export function roleDisplay(code: string): string {
  return DISPLAY[code] ?? code;
}
