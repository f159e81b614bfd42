import type { Bundle, DetectedIssue } from 'fhir/r4.js';
import { CS, DG } from '../fhir/codes.js';
import type { Alert, ScreenReport, Severity, WorkupReport } from '../report.js';
import { stableId } from './stable-id.js';

export const ALERT_PROFILE = `${DG}/StructureDefinition/donorguard-alert`;
export const ALERT_ID_SYSTEM = `${DG}/alert-id`;
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

const DETECTED_ISSUE_SEVERITY: Record<Severity, DetectedIssue['severity']> = {
  critical: 'high',
  warning: 'moderate',
  info: 'low',
};

/** Reference form for a key: `Type/id` stays relative, a fullUrl (urn:uuid or absolute) stays as is. */
function reference(key: string): { reference: string } {
  return { reference: key };
}

/**
 * One finding as a DetectedIssue conforming to the donorguard-alert profile: the durable record a
 * compliance officer works from. Marked restricted (v3-Confidentiality R): it must not reach patient
 * portals, where a companion could read it.
 */
export function toDetectedIssue(workup: WorkupReport, alert: Alert, asOf: string): DetectedIssue {
  const id = stableId(workup.donor, alert.rule);
  return {
    resourceType: 'DetectedIssue',
    id: `dg-${id}`,
    meta: {
      profile: [ALERT_PROFILE],
      security: [{ system: CONFIDENTIALITY, code: 'R', display: 'restricted' }],
    },
    identifier: [{ system: ALERT_ID_SYSTEM, value: id }],
    status: 'preliminary',
    code: { coding: [{ system: CS.redFlag, code: alert.rule }], text: alert.summary },
    severity: DETECTED_ISSUE_SEVERITY[alert.severity],
    patient: reference(workup.donor),
    identifiedDateTime: asOf,
    implicated: alert.evidence.map(reference),
    detail: `${alert.summary} (rule ${alert.rule} v${alert.version})`,
    reference: `${DG}/rules/${alert.rule}`,
    mitigation: alert.actions.map((code) => ({
      action: { coding: [{ system: CS.mitigation, code }] },
    })),
  };
}

/** The `--format fhir` output: a collection Bundle of every finding's DetectedIssue. */
export function toDetectedIssueBundle(report: ScreenReport): Bundle {
  const entry = report.workups.flatMap((w) =>
    w.alerts.map((a) => {
      const resource = toDetectedIssue(w, a, report.asOf);
      return { fullUrl: `urn:uuid:${uuidFromHex(resource.identifier?.[0]?.value ?? '')}`, resource };
    }),
  );
  return { resourceType: 'Bundle', type: 'collection', timestamp: `${report.asOf}T00:00:00Z`, entry };
}

/** A deterministic UUID-shaped fullUrl from the finding id (DetectedIssue.id is the real identity). */
function uuidFromHex(hex: string): string {
  const h = (hex + stableId(hex, 'uuid')).slice(0, 32).padEnd(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
