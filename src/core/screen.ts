import type { PooledResource } from './fhir/resource-index.js';
import { ResourceIndex } from './fhir/resource-index.js';
import type { ScreenReport, WorkupReport } from './report.js';
import { highestOf } from './report.js';
import type { Ruleset } from './rules/compiled-rule.js';
import { evaluateRules } from './rules/evaluate.js';
import { buildWorkup, type BuildOptions } from './gather/build-workup.js';
import { findDonors } from './gather/find-donors.js';
import type { Workup } from './workup/types.js';

/** What a screen needs besides the data: the same as building the workup. */
export type ScreenOptions = BuildOptions;

export interface ScreenedWorkup {
  /** Undefined when the record could not be read (see screenDonorSafely). */
  workup: Workup | undefined;
  report: WorkupReport;
}

/** Screen one donor already known to be in the pool (the CDS Hooks door). */
export function screenDonor(
  index: ResourceIndex,
  donor: PooledResource,
  ruleset: Ruleset,
  options: ScreenOptions,
): ScreenedWorkup {
  const workup = buildWorkup(index, donor, options);
  const outcome = evaluateRules(workup, ruleset, options.settings, options.asOf);
  const notChecked = [...new Set([...workup.notChecked, ...outcome.notChecked])];
  return {
    workup,
    report: {
      donor: workup.donorKey,
      recipient: workup.recipientKey,
      pathway: workup.pathway,
      status: notChecked.length === 0 ? 'complete' : 'incomplete',
      notChecked,
      highest: highestOf(outcome.alerts.map((a) => a.severity)),
      alerts: outcome.alerts,
      surgeryBooked: workup.surgery.booked,
    },
  };
}

/** Screen every living-donor candidate in a pool of resources (the file and Bulk Data doors). */
export function screenPool(
  entries: Iterable<PooledResource>,
  ruleset: Ruleset,
  options: ScreenOptions,
): { index: ResourceIndex; screened: ScreenedWorkup[] } {
  const index = entries instanceof ResourceIndex ? entries : new ResourceIndex(entries);
  const donors = findDonors(index);
  return { index, screened: donors.map((d) => screenDonorSafely(index, d, ruleset, options)) };
}

/**
 * Malformed records (a string where an array belongs, say) must not crash a population screen or
 * pass as clean: the donor is reported unscreened, with the reason.
 */
function screenDonorSafely(
  index: ResourceIndex,
  donor: PooledResource,
  ruleset: Ruleset,
  options: ScreenOptions,
): ScreenedWorkup {
  try {
    return screenDonor(index, donor, ruleset, options);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : 'unknown error';
    return {
      workup: undefined,
      report: {
        donor: index.keyOf(donor),
        recipient: null,
        pathway: null,
        status: 'incomplete',
        notChecked: [`the donor's record could not be read, so no rule was checked (${reason})`],
        highest: 'none',
        alerts: [],
        surgeryBooked: false,
      },
    };
  }
}

export function toReport(asOf: string, ruleset: Ruleset, workups: WorkupReport[]): ScreenReport {
  return { asOf, rulesetVersion: ruleset.version, workups };
}
