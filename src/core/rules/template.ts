import { compileExpression, type CompiledExpression } from './fhirpath-engine.js';
import type { CompiledTemplate } from './compiled-rule.js';

const PLACEHOLDER = /\{\{([^}]*)\}\}/g;

/** Split `text {{ fhirpath }} text` into literal parts and compiled expressions. */
export function compileTemplate(source: string, allowed?: readonly string[]): CompiledTemplate {
  const parts: Array<string | CompiledExpression> = [];
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(source.slice(last, m.index));
    parts.push(compileExpression((m[1] ?? '').trim(), allowed));
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push(source.slice(last));
  return { source, parts };
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && 'reference' in value && typeof value.reference === 'string') return value.reference;
  return JSON.stringify(value);
}

/** Render a template; an empty expression renders as "not recorded" so a gap is visible. */
export function renderTemplate(template: CompiledTemplate, variables: Record<string, unknown>): string {
  return template.parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const values = p(variables).map(show).filter((s) => s.length > 0);
      return values.length > 0 ? values.join(', ') : 'not recorded';
    })
    .join('')
    .trim();
}
