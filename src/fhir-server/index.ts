export {
  CORS_HEADERS,
  createEmbeddedFhirServer,
  type EmbeddedFhirServer,
  type EmbeddedFhirServerOptions,
} from './embedded-fhir-server.js';
export { startStandaloneFhirServer, type StandaloneFhirServer } from './standalone.js';
export { seedRepository, SeedError } from './seed.js';
export { buildCapabilityStatement } from './capability-statement.js';
export { normaliseSearchQuery, type NormaliseOptions } from './search-query.js';
export { fhirResourceTypes, isFhirResourceType, loadFhirDefinitions, r4SearchParameters } from './definitions.js';
