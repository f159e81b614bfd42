import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { CompiledCombinationRule, CompiledConditionRule, CompiledRule, Ruleset } from '../core/rules/compiled-rule.js';
import { compileExpression, ExpressionError, RULE_VARIABLES, SEVERITY_VARIABLES } from '../core/rules/fhirpath-engine.js';
import { ruleFileSchema, withDefaultKind, type RuleSpec } from '../core/rules/rule-schema.js';
import { compileTemplate } from '../core/rules/template.js';
import type { RoleCodeHierarchy } from '../core/terminology/role-codes.js';
import { parseYaml, positionOf, SourceError, zodProblems, type YamlSource } from './yaml-source.js';

export interface LoadedRules {
  ruleset: Ruleset;
  roleCodes: RoleCodeHierarchy;
  /** Absolute folder of each rule, by id (fixtures live there). */
  folders: Map<string, string>;
}

const SEVERITY_CONTEXT = [...RULE_VARIABLES, ...SEVERITY_VARIABLES];

/** Load, validate and compile every `rules/<id>/rule.yaml`. Any problem stops the load with file:line:col. */
export async function loadRules(rulesDir: string): Promise<LoadedRules> {
  const problems: string[] = [];
  const hash = createHash('sha256');
  const rules: CompiledRule[] = [];
  const folders = new Map<string, string>();
  const names = (await readdir(rulesDir)).sort();
  for (const name of names) {
    const folder = join(rulesDir, name);
    if (!name.includes('.') || !(await stat(folder)).isDirectory()) continue;
    const file = join(folder, 'rule.yaml');
    const display = relative(process.cwd(), file) || file;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      problems.push(`${display}:1:1 missing rule.yaml in rule folder ${name}`);
      continue;
    }
    hash.update(name).update(text);
    const compiled = compileRuleFile(display, text, problems);
    if (!compiled) continue;
    if (compiled.id !== name) problems.push(`${positionOf(parseYaml(display, text).source, ['id'])} id: "${compiled.id}" must equal its folder name "${name}"`);
    if (folders.has(compiled.id)) problems.push(`${display}:1:1 duplicate rule id ${compiled.id}`);
    folders.set(compiled.id, folder);
    rules.push(compiled);
  }
  const roleCodes = await loadRoleCodes(join(rulesDir, 'terminology', 'v3-rolecode.yaml'), problems);
  if (problems.length > 0) throw new SourceError(problems);
  return { ruleset: { version: `1.${rules.length}.${hash.digest('hex').slice(0, 10)}`, rules }, roleCodes, folders };
}

export function compileRuleFile(file: string, text: string, problems: string[]): CompiledRule | undefined {
  const { source, problems: yamlProblems } = parseYaml(file, text);
  if (yamlProblems.length > 0) {
    problems.push(...yamlProblems);
    return undefined;
  }
  const parsed = ruleFileSchema.safeParse(withDefaultKind(source.doc.toJS()));
  if (!parsed.success) {
    problems.push(...zodProblems(source, parsed.error));
    return undefined;
  }
  const before = problems.length;
  const rule = compileSpec(parsed.data, source, file, problems);
  return problems.length === before ? rule : undefined;
}

function compileSpec(spec: RuleSpec, source: YamlSource, file: string, problems: string[]): CompiledRule | undefined {
  const expr = (path: PropertyKey[], text: string, allowed: readonly string[] = RULE_VARIABLES) => {
    try {
      return compileExpression(text, allowed);
    } catch (err) {
      problems.push(expressionProblem(source, path, err));
      return () => [];
    }
  };
  const template = (path: PropertyKey[], text: string, allowed: readonly string[] = RULE_VARIABLES) => {
    try {
      return compileTemplate(text, allowed);
    } catch (err) {
      problems.push(expressionProblem(source, path, err));
      return { source: text, parts: [] };
    }
  };
  const common = {
    id: spec.id,
    version: spec.version,
    family: spec.family,
    title: spec.title,
    ...(spec.description ? { description: spec.description.trim() } : {}),
    audience: spec.audience,
    enabled: spec.enabled,
    combines: spec.combines,
    citations: spec.citations,
    actions: spec.actions,
    file,
    fixtures: spec.fixtures ?? {},
  };
  if (spec.kind === 'combination') {
    const rule: CompiledCombinationRule = {
      ...common,
      kind: 'combination',
      baseSeverity: spec.severity.base,
      summary: template(['summary'], spec.summary, SEVERITY_CONTEXT),
      detail: template(['detail'], spec.detail, SEVERITY_CONTEXT),
    };
    return rule;
  }
  const rule: CompiledConditionRule = {
    ...common,
    kind: 'condition',
    summary: template(['summary'], spec.summary),
    detail: template(['detail'], spec.detail),
    condition: expr(['condition'], spec.condition),
    evidence: expr(['evidence'], spec.evidence),
    needs: spec.needs.map((n, i) => ({ check: expr(['needs', i, 'check'], n.check), otherwise: n.otherwise })),
    baseSeverity: spec.severity.base,
    lower: spec.severity.lower.map((c, i) => ({ to: c.to, because: c.because, when: expr(['severity', 'lower', i, 'when'], c.when, SEVERITY_CONTEXT) })),
    raise: spec.severity.raise.map((c, i) => ({ to: c.to, because: c.because, when: expr(['severity', 'raise', i, 'when'], c.when, SEVERITY_CONTEXT) })),
  };
  if (spec.applies) rule.applies = expr(['applies'], spec.applies);
  if (spec.summary.length > 139 && !spec.summary.includes('{{')) {
    problems.push(`${positionOf(source, ['summary'])} summary: must be under 140 characters (CDS Hooks card summary)`);
  }
  return rule;
}

function expressionProblem(source: YamlSource, path: PropertyKey[], err: unknown): string {
  const where = positionOf(source, path);
  if (err instanceof ExpressionError) {
    const at = err.at ? ` (expression line ${err.at.line}, column ${err.at.column})` : '';
    return `${where} ${path.join('.')}: FHIRPath ${err.message}${at}`;
  }
  return `${where} ${path.join('.')}: ${err instanceof Error ? err.message : String(err)}`;
}

async function loadRoleCodes(file: string, problems: string[]): Promise<RoleCodeHierarchy> {
  const display = relative(process.cwd(), file) || file;
  const { source, problems: yamlProblems } = parseYaml(display, await readFile(file, 'utf8'));
  problems.push(...yamlProblems);
  const data: unknown = source.doc.toJS();
  const parents: Record<string, string[]> = {};
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    problems.push(`${display}:1:1 expected a map of code: [parent codes]`);
    return { parents };
  }
  for (const [code, value] of Object.entries(data)) {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      problems.push(`${positionOf(source, [code])} ${code}: expected a list of parent codes`);
      continue;
    }
    parents[code] = value;
  }
  for (const [code, ps] of Object.entries(parents)) {
    for (const p of ps) if (!(p in parents)) problems.push(`${positionOf(source, [code])} ${code}: unknown parent ${p}`);
  }
  return { parents };
}
