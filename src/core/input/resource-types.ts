import r4 from 'fhirpath/fhir-context/r4/index.js';

/** Every R4 resource type name, read from the FHIRPath R4 model (no second list to keep in sync). */
const parents = (r4 as unknown as { type2Parent: Record<string, string> }).type2Parent;

function isResourceType(type: string): boolean {
  let t: string | undefined = type;
  for (let n = 0; t && n < 10; n++) {
    if (t === 'Resource') return true;
    t = parents[t];
  }
  return false;
}

export const R4_RESOURCE_TYPES: ReadonlySet<string> = new Set(
  Object.keys(parents).filter((t) => t !== 'Resource' && t !== 'DomainResource' && isResourceType(t)),
);
