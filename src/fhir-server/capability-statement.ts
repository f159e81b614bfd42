import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from 'fhir/r4.js';
import { fhirResourceTypes, r4SearchParameters, SUPPORTED_SEARCH_PARAM_TYPES } from './definitions.js';

const SERVER_STARTED = new Date().toISOString();

const RESOURCE_INTERACTIONS: CapabilityStatementRestResource['interaction'] = [
  { code: 'read' },
  { code: 'vread' },
  { code: 'update' },
  { code: 'patch' },
  { code: 'delete' },
  { code: 'history-instance' },
  { code: 'create' },
  { code: 'search-type' },
];

/** Types that are never stored as such. */
const NOT_STORED = new Set(['Parameters']);

/**
 * The CapabilityStatement of the embedded server: every R4 resource type with the search parameters
 * the in-memory matcher evaluates (string, token, reference, date, uri).
 */
export function buildCapabilityStatement(baseUrl: string): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = [];
  for (const type of [...fhirResourceTypes()].sort()) {
    if (NOT_STORED.has(type)) {
      continue;
    }
    const searchParam: CapabilityStatementRestResourceSearchParam[] = [];
    const references: string[] = [];
    for (const [code, param] of r4SearchParameters(type)) {
      if (!SUPPORTED_SEARCH_PARAM_TYPES.has(param.type)) {
        continue;
      }
      searchParam.push({
        name: code,
        ...(param.url ? { definition: param.url } : {}),
        type: param.type,
      });
      if (param.type === 'reference') {
        references.push(`${type}:${code}`);
      }
    }
    resource.push({
      type: type as CapabilityStatementRestResource['type'],
      profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
      interaction: RESOURCE_INTERACTIONS,
      versioning: 'versioned',
      readHistory: true,
      updateCreate: true,
      conditionalCreate: true,
      conditionalUpdate: true,
      conditionalDelete: 'single',
      ...(references.length ? { searchInclude: references } : {}),
      searchParam,
    });
  }

  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: SERVER_STARTED,
    publisher: 'DonorGuard',
    kind: 'instance',
    software: { name: 'DonorGuard embedded FHIR server (Medplum MemoryRepository)' },
    implementation: {
      description: 'In-memory FHIR R4 server for demos and tests. Data is lost on restart.',
      url: baseUrl,
    },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Paging with _count/_offset and Bundle.link next/previous; _include and _revinclude one level deep. ' +
          'Not supported (400): chained parameters, _has, _type, system-level search, compartment search, ' +
          'number/quantity/composite parameters, :identifier and :iterate modifiers.',
        security: { cors: true, description: 'No authentication: demo and test use only.' },
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
