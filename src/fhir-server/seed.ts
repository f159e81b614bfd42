import type { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, FhirResource, Resource } from 'fhir/r4.js';
import { isFhirResourceType } from './definitions.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

/**
 * Loads the resources of a Bundle of any type (collection, searchset, transaction, batch, document…)
 * into the repository, keeping the ids they have and giving new ids to those without (e.g. `urn:uuid:`
 * entries). References to other entries (by `fullUrl`, e.g. `urn:uuid:…` or an absolute URL) are
 * rewritten to `Type/id`; absolute references under `baseUrl` are made relative.
 *
 * Everything is checked before anything is written: a bad entry writes nothing. Request-only entries
 * (GET/DELETE in a transaction) and searchset `outcome` entries are skipped. Conditional requests are
 * treated as plain creates/updates: seeding is a load, not a replay.
 *
 * Writes go straight to the repository, so there is no transaction size limit (Medplum's router caps a
 * transaction at 50 updates).
 *
 * @returns a `transaction-response` Bundle with one entry per stored resource, in input order.
 */
export async function seedRepository(
  repo: MemoryRepository,
  bundle: Bundle | Bundle<FhirResource>,
  baseUrl?: string,
): Promise<Bundle> {
  if (
    typeof bundle !== 'object' ||
    bundle === null ||
    (bundle as { resourceType?: unknown }).resourceType !== 'Bundle'
  ) {
    throw new SeedError('seed: expected a Bundle');
  }
  const planned: Array<{ resource: Resource & { id: string }; fullUrl: string | undefined }> = [];
  const references = new Map<string, string>();
  const seen = new Set<string>();

  (bundle.entry ?? []).forEach((entry: BundleEntry, index: number) => {
    const where = `Bundle.entry[${index}]`;
    const resource = entry.resource;
    const method = entry.request?.method;
    if (
      !resource ||
      method === 'GET' ||
      method === 'HEAD' ||
      method === 'DELETE' ||
      method === 'PATCH' ||
      entry.search?.mode === 'outcome'
    ) {
      return;
    }
    if (typeof resource.resourceType !== 'string' || !isFhirResourceType(resource.resourceType)) {
      throw new SeedError(
        `seed: ${where}.resource.resourceType ${JSON.stringify(resource.resourceType)} is not an R4 resource type`,
      );
    }
    let id =
      resource.id ??
      idFromPutUrl(entry.request?.url, resource.resourceType) ??
      idFromFullUrl(entry.fullUrl, resource.resourceType);
    if (id !== undefined && !FHIR_ID.test(id)) {
      throw new SeedError(`seed: ${where}.resource.id ${JSON.stringify(id)} is not a valid FHIR id`);
    }
    id ??= repo.generateId();
    const reference = `${resource.resourceType}/${id}`;
    if (seen.has(reference)) {
      throw new SeedError(`seed: ${where} repeats ${reference}`);
    }
    seen.add(reference);
    if (entry.fullUrl) {
      references.set(entry.fullUrl, reference);
    }
    planned.push({ resource: { ...structuredClone<Resource>(resource), id }, fullUrl: entry.fullUrl });
  });

  const prefix = baseUrl === undefined ? undefined : `${baseUrl.replace(/\/+$/, '')}/`;
  const rewrite = (value: string): string => {
    const mapped = references.get(value);
    if (mapped !== undefined) {
      return mapped;
    }
    return prefix !== undefined && value.startsWith(prefix) ? value.slice(prefix.length) : value;
  };

  const response: BundleEntry[] = [];
  for (const { resource } of planned) {
    rewriteReferences(resource, rewrite);
    if (resource.meta) {
      delete resource.meta.versionId;
      delete resource.meta.lastUpdated;
    }
    const stored = (await repo.updateResource(
      resource as Parameters<MemoryRepository['updateResource']>[0],
    )) as unknown as FhirResource;
    const versionId = stored.meta?.versionId;
    response.push({
      ...(prefix !== undefined ? { fullUrl: `${prefix}${stored.resourceType}/${stored.id ?? ''}` } : {}),
      response: {
        status: '201 Created',
        location: `${stored.resourceType}/${stored.id ?? ''}${versionId ? `/_history/${versionId}` : ''}`,
        ...(versionId ? { etag: `W/"${versionId}"` } : {}),
        ...(stored.meta?.lastUpdated ? { lastModified: stored.meta.lastUpdated } : {}),
      },
    });
  }
  return { resourceType: 'Bundle', type: 'transaction-response', entry: response };
}

function idFromPutUrl(url: string | undefined, type: string): string | undefined {
  const match = url ? new RegExp(`^${type}/([^/?]+)$`).exec(url) : null;
  return match?.[1];
}

function idFromFullUrl(fullUrl: string | undefined, type: string): string | undefined {
  if (!fullUrl || fullUrl.startsWith('urn:')) {
    return undefined;
  }
  const match = new RegExp(`(?:^|/)${type}/([^/?#]+)$`).exec(fullUrl);
  return match?.[1];
}

/** Rewrites every `reference` string in a resource tree in place. */
function rewriteReferences(node: unknown, rewrite: (value: string) => string): void {
  if (Array.isArray(node)) {
    for (const item of node) {
      rewriteReferences(item, rewrite);
    }
    return;
  }
  if (typeof node !== 'object' || node === null) {
    return;
  }
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (key === 'reference' && typeof value === 'string') {
      record[key] = rewrite(value);
    } else if (typeof value === 'object' && value !== null) {
      rewriteReferences(value, rewrite);
    }
  }
}
