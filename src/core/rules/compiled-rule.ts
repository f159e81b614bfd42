import type { Audience, Family, Severity } from '../report.js';
import type { Mitigation } from './rule-schema.js';
import type { CompiledExpression } from './fhirpath-engine.js';

/** A rule ready to run: every expression compiled, every template split. Built by the loader. */
export interface CompiledTemplate {
  source: string;
  parts: Array<string | CompiledExpression>;
}

export interface CompiledSeverityChange {
  to: Severity;
  when: CompiledExpression;
  because: string;
}

interface CompiledCommon {
  id: string;
  version: string;
  family: Family;
  title: string;
  description?: string;
  audience: Audience[];
  enabled: boolean;
  combines: boolean;
  summary: CompiledTemplate;
  detail: CompiledTemplate;
  citations: string[];
  actions: Mitigation[];
  /** `rules/<id>/rule.yaml`, for error messages. */
  file: string;
  fixtures: Record<string, { severity: Severity }>;
}

export interface CompiledConditionRule extends CompiledCommon {
  kind: 'condition';
  applies?: CompiledExpression;
  needs: Array<{ check: CompiledExpression; otherwise: string }>;
  condition: CompiledExpression;
  evidence: CompiledExpression;
  baseSeverity: Severity;
  lower: CompiledSeverityChange[];
  raise: CompiledSeverityChange[];
}

export interface CompiledCombinationRule extends CompiledCommon {
  kind: 'combination';
  baseSeverity: Severity;
}

export type CompiledRule = CompiledConditionRule | CompiledCombinationRule;

export interface Ruleset {
  version: string;
  rules: CompiledRule[];
}

export class RuleEvaluationError extends Error {
  constructor(
    readonly ruleId: string,
    readonly ruleVersion: string,
    readonly file: string,
    readonly part: string,
    cause: unknown,
  ) {
    super(`rule ${ruleId} v${ruleVersion} (${file}) failed in ${part}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RuleEvaluationError';
  }
}
