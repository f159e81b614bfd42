import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';
import { compileFast, Unsupported } from './fast-path.js';

/**
 * The one place FHIRPath is compiled. fhirpath.js re-parses on every `evaluate()`, so every rule
 * expression is compiled once at load and reused (standards.md §4.2). The R4 model is always passed:
 * without it choice elements such as `Observation.value` resolve to nothing.
 */
export type CompiledExpression = (variables: Record<string, unknown>) => unknown[];

/** The reference engine alone, for tests that compare it with the fast path. */
export function compileReference(expression: string): CompiledExpression {
  const fn = fhirpath.compile(expression, r4, { async: false }) as unknown as (resource: unknown, env: Record<string, unknown>) => unknown;
  return (variables) => {
    const result = fn({}, variables);
    return Array.isArray(result) ? (result as unknown[]) : [result];
  };
}

/** Variables a rule may name. `%firedRules` and `%firedFamilies` exist only in severity changes. */
export const RULE_VARIABLES = [
  'workup',
  'donor',
  'recipient',
  'asOf',
  'settings',
  'answers',
  'relationship',
  'biology',
  'consent',
  'evaluations',
  'approvals',
  'language',
  'identity',
  'travel',
  'money',
  'surgery',
  'timeline',
  'vulnerability',
  'safeguards',
  'network',
] as const;
export const SEVERITY_VARIABLES = ['firedRules', 'firedFamilies'] as const;

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
    /** 1-based line and column inside the expression, when the parser gave them. */
    readonly at?: { line: number; column: number },
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

const VARIABLE = /%([A-Za-z_][A-Za-z0-9_]*)/g;
/**
 * `where(flag)` over untyped workup facts keeps items whose flag is false: fhirpath.js wraps the value
 * in a node, and a non-empty collection is true. Refused at load (test/core/fhirpath-conformance pins it).
 */
const BARE_BOOLEAN_CRITERION = /\b(where|exists|all|select)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)/;

export function compileExpression(expression: string, allowed: readonly string[] = RULE_VARIABLES): CompiledExpression {
  for (const m of expression.matchAll(VARIABLE)) {
    const name = m[1] as string;
    if (!allowed.includes(name) && !['ucum', 'context', 'resource', 'rootResource', 'sct', 'loinc'].includes(name)) {
      throw new ExpressionError(`unknown variable %${name} (known: ${allowed.map((v) => '%' + v).join(', ')})`, expression);
    }
  }
  const bare = BARE_BOOLEAN_CRITERION.exec(expression);
  if (bare) {
    throw new ExpressionError(
      `write ${bare[1]}(${bare[2]} = true): fhirpath.js counts a bare member of the workup as true even when it holds false`,
      expression,
    );
  }
  let fn: (resource: unknown, env: Record<string, unknown>) => unknown;
  try {
    fn = fhirpath.compile(expression, r4, { async: false });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const m = /line: (\d+); column: (\d+); message: (.*)/.exec(text);
    throw new ExpressionError(m ? (m[3] ?? text) : text.split('\n')[0] ?? text, expression, m ? { line: Number(m[1]), column: Number(m[2]) + 1 } : undefined);
  }
  const reference: CompiledExpression = (variables) => {
    const result = fn({}, variables);
    return Array.isArray(result) ? (result as unknown[]) : [result];
  };
  const fast = compileFast(expression);
  if (!fast) return reference;
  return (variables) => {
    try {
      return fast(variables);
    } catch (err) {
      if (err instanceof Unsupported) return reference(variables);
      throw err;
    }
  };
}

/** FHIRPath truthiness for a rule condition: exactly `true`. Empty (unknown) is not true. */
export function isTrue(result: unknown[]): boolean {
  return result.length === 1 && result[0] === true;
}
