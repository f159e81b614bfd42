import type { Alert, Family, Severity } from '../report.js';
import { severityRank } from '../report.js';
import type { Settings } from '../settings.js';
import type { Workup } from '../workup/types.js';
import type { CompiledConditionRule, Ruleset } from './compiled-rule.js';
import { RuleEvaluationError } from './compiled-rule.js';
import { isTrue } from './fhirpath-engine.js';
import { renderTemplate } from './template.js';
import { combineFindings } from '../findings/combine.js';

/** The named variables a rule sees (rules/README.md lists them). `null` facts become empty collections. */
export function ruleVariables(workup: Workup, asOf: string, settings: Settings): Record<string, unknown> {
  const orEmpty = (v: unknown): unknown => (v === null || v === undefined ? [] : v);
  return {
    workup,
    donor: workup.donor,
    recipient: orEmpty(workup.recipient),
    asOf,
    settings,
    answers: workup.answers,
    relationship: orEmpty(workup.relationship),
    biology: workup.biology,
    consent: workup.consent,
    evaluations: workup.evaluations,
    approvals: workup.approvals,
    language: workup.language,
    identity: workup.identity,
    travel: workup.travel,
    money: workup.money,
    surgery: workup.surgery,
    timeline: workup.timeline,
    vulnerability: workup.vulnerability,
    safeguards: workup.safeguards,
    network: workup.network,
  };
}

interface Hit {
  rule: CompiledConditionRule;
  severity: Severity;
  reasons: string[];
}

function run<T>(rule: CompiledConditionRule, part: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new RuleEvaluationError(rule.id, rule.version, rule.file, part, err);
  }
}

export interface RuleOutcome {
  alerts: Alert[];
  notChecked: string[];
  /** Rules that threw: the screen is incomplete for them. */
  failedRules: string[];
}

/** Evaluate every enabled rule over one workup: conditions, then severity changes, then the combination step. */
export function evaluateRules(workup: Workup, ruleset: Ruleset, settings: Settings, asOf: string): RuleOutcome {
  const vars = ruleVariables(workup, asOf, settings);
  const notChecked: string[] = [];
  const failedRules: string[] = [];
  const hits: Hit[] = [];

  for (const rule of ruleset.rules) {
    if (rule.kind !== 'condition' || !rule.enabled) continue;
    try {
      if (rule.applies && !run(rule, 'applies', () => isTrue(rule.applies!(vars)))) continue;
      for (const need of rule.needs) {
        if (!run(rule, 'needs', () => isTrue(need.check(vars)))) notChecked.push(need.otherwise);
      }
      if (run(rule, 'condition', () => isTrue(rule.condition(vars)))) hits.push({ rule, severity: rule.baseSeverity, reasons: [] });
    } catch (err) {
      failedRules.push(rule.id);
      notChecked.push(`rule ${rule.id} could not be evaluated (${err instanceof Error ? err.message.split('\n')[0] : 'error'})`);
    }
  }

  // Severity changes may depend on what else fired (e.g. "critical with payment indicators"). Guards
  // lower first; raises then see `%firedFamilies` as the families with a finding still at warning or
  // above, so a finding a guard lowered to context does not escalate another.
  const fired = hits.map((h) => h.rule.id);
  const lowerVars = { ...vars, firedRules: fired, firedFamilies: [...new Set(hits.map((h) => h.rule.family))] };
  for (const hit of hits) {
    try {
      for (const change of hit.rule.lower) {
        if (severityRank(change.to) < severityRank(hit.severity) && isTrue(change.when(lowerVars))) {
          hit.severity = change.to;
          hit.reasons.push(`lowered to ${change.to}: ${change.because}`);
        }
      }
    } catch (err) {
      failedRules.push(hit.rule.id);
      notChecked.push(`severity of rule ${hit.rule.id} could not be evaluated (${err instanceof Error ? err.message.split('\n')[0] : 'error'})`);
    }
  }
  const raiseVars = {
    ...vars,
    firedRules: fired,
    firedFamilies: [...new Set(hits.filter((h) => severityRank(h.severity) >= severityRank('warning')).map((h) => h.rule.family))],
  };
  for (const hit of hits) {
    try {
      // A raise wins over a lowering: when in doubt the screen fails loud.
      for (const change of hit.rule.raise) {
        if (severityRank(change.to) > severityRank(hit.severity) && isTrue(change.when(raiseVars))) {
          hit.severity = change.to;
          hit.reasons.push(`raised to ${change.to}: ${change.because}`);
        }
      }
    } catch (err) {
      failedRules.push(hit.rule.id);
      notChecked.push(`severity of rule ${hit.rule.id} could not be evaluated (${err instanceof Error ? err.message.split('\n')[0] : 'error'})`);
    }
  }

  const alerts: Alert[] = [];
  for (const hit of hits) {
    const { rule } = hit;
    try {
      const evidence = [...new Set(run(rule, 'evidence', () => rule.evidence(vars)).filter((v): v is string => typeof v === 'string'))];
      alerts.push({
        rule: rule.id,
        version: rule.version,
        family: rule.family,
        severity: hit.severity,
        summary: run(rule, 'summary', () => renderTemplate(rule.summary, vars)),
        detail: composeDetail(run(rule, 'detail', () => renderTemplate(rule.detail, vars)), hit.reasons, evidence, rule.citations),
        evidence,
        citations: rule.citations,
        actions: rule.actions,
        audience: rule.audience,
      });
    } catch (err) {
      failedRules.push(rule.id);
      notChecked.push(`rule ${rule.id} fired but its alert could not be rendered (${err instanceof Error ? err.message.split('\n')[0] : 'error'})`);
    }
  }

  alerts.push(...combineFindings(alerts, ruleset, settings, vars));
  return { alerts: sortAlerts(alerts), notChecked, failedRules };
}

function composeDetail(text: string, reasons: string[], evidence: string[], citations: string[]): string {
  const parts = [text];
  if (reasons.length > 0) parts.push(`Severity ${reasons.join('; ')}.`);
  if (evidence.length > 0) parts.push(`**Evidence:** ${evidence.join(', ')}`);
  parts.push(`**Sources:** ${citations.join('; ')}`);
  return parts.join('\n\n');
}

export function sortAlerts(alerts: Alert[]): Alert[] {
  return [...alerts].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.rule.localeCompare(b.rule));
}

export type { Family };
