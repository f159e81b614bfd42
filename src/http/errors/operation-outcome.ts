import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';

/** The media type of every FHIR JSON body this service writes. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export type IssueSeverity = OperationOutcomeIssue['severity'];
export type IssueType = OperationOutcomeIssue['code'];

/**
 * Builds a one-issue OperationOutcome.
 *
 * `expression` holds FHIRPath-style locations of the offending element(s) (e.g. `context.patientId`);
 * `diagnostics` is the human-readable text. Never put request payloads, tokens or PHI in either.
 */
export function operationOutcome(
  severity: IssueSeverity,
  code: IssueType,
  diagnostics: string,
  expression?: string | readonly string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) {
    const list = typeof expression === 'string' ? [expression] : [...expression];
    if (list.length > 0) {
      issue.expression = list;
    }
  }
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

/** Builds an OperationOutcome from several issues (e.g. one per invalid field). */
export function operationOutcomeOf(issues: readonly OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [...issues] };
}

/** True for a JSON object that looks like an OperationOutcome with at least one issue. */
export function isOperationOutcome(value: unknown): value is OperationOutcome {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { resourceType?: unknown }).resourceType === 'OperationOutcome' &&
    Array.isArray((value as { issue?: unknown }).issue)
  );
}
