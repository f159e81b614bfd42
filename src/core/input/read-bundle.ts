import type { FhirResource } from 'fhir/r4.js';
import type { PooledResource } from '../fhir/resource-index.js';
import type { InputProblem } from '../report.js';
import { R4_RESOURCE_TYPES } from './resource-types.js';

export interface ReadResult {
  entries: PooledResource[];
  problems: InputProblem[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : typeof value === 'object' ? 'an object' : String(typeof value);
}

/** Check the one thing every resource must have before anything reads it: a known resourceType. */
export function asResource(value: unknown, where: string, problems: InputProblem[]): FhirResource | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ where, message: `expected a FHIR resource (a JSON object), got ${describe(value)}` });
    return undefined;
  }
  const type = (value as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') {
    problems.push({ where, message: 'not a FHIR resource: no resourceType' });
    return undefined;
  }
  if (!R4_RESOURCE_TYPES.has(type)) {
    problems.push({ where, message: `unknown resourceType "${type.slice(0, 60)}" (not a FHIR R4 resource); entry skipped` });
    return undefined;
  }
  const id = (value as { id?: unknown }).id;
  if (id !== undefined && (typeof id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(id))) {
    problems.push({ where, message: `${type}.id must be 1-64 letters, digits, "-" or "."; entry skipped` });
    return undefined;
  }
  return value as FhirResource;
}

/**
 * Untrusted JSON → pooled resources. Accepts a Bundle of any type (collection, searchset,
 * transaction, batch, and their responses), nested Bundles, or a single resource.
 */
export function readResources(json: unknown, where: string): ReadResult {
  const problems: InputProblem[] = [];
  const entries: PooledResource[] = [];
  const visit = (value: unknown, at: string, fullUrl: string | undefined, depth: number): void => {
    const resource = asResource(value, at, problems);
    if (!resource) return;
    if (resource.resourceType === 'Bundle' && depth < 3) {
      const list: unknown = (resource as { entry?: unknown }).entry;
      if (list === undefined) return;
      if (!Array.isArray(list)) {
        problems.push({ where: at, message: `Bundle.entry must be an array, got ${describe(list)}` });
        return;
      }
      list.forEach((entry: unknown, i) => {
        const entryAt = `${at}#entry[${i}]`;
        if (entry === null || typeof entry !== 'object') {
          problems.push({ where: entryAt, message: `Bundle entry must be an object, got ${describe(entry)}` });
          return;
        }
        const e = entry as { fullUrl?: unknown; resource?: unknown };
        if (e.resource === undefined) return; // e.g. a DELETE request entry
        if (e.fullUrl !== undefined && typeof e.fullUrl !== 'string') {
          problems.push({ where: entryAt, message: 'fullUrl must be a string; entry skipped' });
          return;
        }
        visit(e.resource, entryAt, e.fullUrl, depth + 1);
      });
      return;
    }
    entries.push(fullUrl ? { resource, fullUrl, where: at } : { resource, where: at });
  };
  visit(json, where, undefined, 0);
  return { entries, problems };
}
