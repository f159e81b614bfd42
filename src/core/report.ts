/**
 * The screening report: the one output every renderer (JSON, text, FHIR, CDS cards) starts from.
 * The JSON members mirror the contract integrators script against (issue #2), so renaming one is a
 * breaking change.
 */

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type HighestSeverity = Severity | 'none';

export const FAMILIES = [
  'consent',
  'relationship',
  'document',
  'travel',
  'payment',
  'vulnerability',
  'process',
  'intermediary',
  'network',
] as const;
export type Family = (typeof FAMILIES)[number];

export const AUDIENCES = ['surgeon', 'compliance'] as const;
export type Audience = (typeof AUDIENCES)[number];

export interface Alert {
  /** Rule id, equal to its code in CodeSystem/red-flag, e.g. `payment.third-party-payer`. */
  rule: string;
  version: string;
  family: Family;
  severity: Severity;
  /** Under 140 characters (CDS Hooks card summary). */
  summary: string;
  /** Markdown: the facts, the evidence and the citation. */
  detail: string;
  /** References to the resources that triggered the alert (`Type/id` or the Bundle fullUrl). */
  evidence: string[];
  citations: string[];
  /** Codes from CodeSystem/mitigation. */
  actions: string[];
  audience: Audience[];
  /** Rule ids that contributed (only for combination alerts). */
  contributing?: string[];
}

export type ScreenStatus = 'complete' | 'incomplete';

export interface WorkupReport {
  donor: string;
  recipient: string | null;
  pathway: string | null;
  status: ScreenStatus;
  /** What could not be checked, in words a compliance officer understands. */
  notChecked: string[];
  highest: HighestSeverity;
  alerts: Alert[];
  /** Surgery booked or ordered (ServiceRequest/Appointment/draft order). */
  surgeryBooked: boolean;
  /** The input the donor came from (file name), when screened from files. */
  source?: string;
}

export interface InputProblem {
  /** File (or `request`), with line or entry where known: `donors.json#entry[3]`, `Patient.ndjson:12`. */
  where: string;
  message: string;
}

export interface ScreenReport {
  asOf: string;
  rulesetVersion: string;
  workups: WorkupReport[];
}

const RANK: Record<HighestSeverity, number> = { none: 0, info: 1, warning: 2, critical: 3 };

export function severityRank(severity: HighestSeverity): number {
  return RANK[severity];
}

export function highestOf(severities: Iterable<Severity>): HighestSeverity {
  let highest: HighestSeverity = 'none';
  for (const s of severities) if (RANK[s] > RANK[highest]) highest = s;
  return highest;
}
