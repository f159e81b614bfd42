import type { FhirResource, Reference } from 'fhir/r4.js';
import type { InputProblem } from '../report.js';

/** One resource as it arrived, with the Bundle fullUrl it had (if any) and where it came from. */
export interface PooledResource {
  resource: FhirResource;
  fullUrl?: string;
  /** `file#entry[3]`, `Patient.ndjson:12`, `prefetch.consents`: used in problems, never in alerts. */
  where: string;
}

const HISTORY = /\/_history\/[^/]+$/;
const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** `Type/id` for an absolute or relative literal reference, else undefined. */
export function typeIdOf(reference: string): string | undefined {
  const m = TYPE_ID.exec(reference.replace(HISTORY, ''));
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * Resolves references the way FHIR Bundles define them (fullUrl, `urn:uuid:`, relative against the
 * referrer's base, absolute) and answers the reverse question "who points at this resource".
 */
export class ResourceIndex {
  readonly entries: readonly PooledResource[];
  readonly problems: InputProblem[] = [];
  private readonly aliases = new Map<string, PooledResource>();
  private readonly keys = new Map<PooledResource, string>();
  private readonly byType = new Map<string, PooledResource[]>();
  private referrersOf?: Map<PooledResource, PooledResource[]>;
  private readonly unresolved = new Map<PooledResource, string[]>();

  constructor(entries: Iterable<PooledResource>) {
    const kept: PooledResource[] = [];
    for (const entry of entries) {
      const { resource } = entry;
      const typeId = typeof resource.id === 'string' ? `${resource.resourceType}/${resource.id}` : undefined;
      const aliases = [entry.fullUrl, typeId, entry.fullUrl ? typeIdOf(entry.fullUrl) : undefined].filter(
        (a): a is string => typeof a === 'string' && a.length > 0,
      );
      const clash = aliases.map((a) => this.aliases.get(a)).find((e) => e !== undefined);
      if (clash) {
        if (JSON.stringify(clash.resource) !== JSON.stringify(resource)) {
          this.problems.push({
            where: entry.where,
            message: `duplicate resource ${typeId ?? entry.fullUrl ?? resource.resourceType}: also at ${clash.where}; this copy is ignored`,
          });
        }
        continue;
      }
      for (const a of aliases) this.aliases.set(a, entry);
      this.keys.set(entry, entry.fullUrl ?? typeId ?? `${resource.resourceType}@${entry.where}`);
      const list = this.byType.get(resource.resourceType) ?? [];
      list.push(entry);
      this.byType.set(resource.resourceType, list);
      kept.push(entry);
    }
    this.entries = kept;
  }

  /** The key an alert uses for evidence: the Bundle fullUrl, else `Type/id`. */
  keyOf(entry: PooledResource): string {
    return this.keys.get(entry) ?? entry.fullUrl ?? `${entry.resource.resourceType}/${entry.resource.id ?? '?'}`;
  }

  /** `Type/id` when the resource has an id, else its key. Stable across Bundle shapes. */
  typeIdOf(entry: PooledResource): string {
    return typeof entry.resource.id === 'string' ? `${entry.resource.resourceType}/${entry.resource.id}` : this.keyOf(entry);
  }

  ofType<T extends FhirResource['resourceType']>(type: T): PooledResource[] {
    return this.byType.get(type) ?? [];
  }

  resolve(ref: Reference | string | undefined, from?: PooledResource): PooledResource | undefined {
    const reference = typeof ref === 'string' ? ref : ref?.reference;
    if (typeof reference !== 'string' || reference.length === 0 || reference.startsWith('#')) return undefined;
    const direct = this.aliases.get(reference) ?? this.aliases.get(reference.replace(HISTORY, ''));
    if (direct) return direct;
    if (from?.fullUrl && !reference.includes(':')) {
      const base = from.fullUrl.replace(/[A-Z][A-Za-z]+\/[^/]+$/, '');
      const absolute = this.aliases.get(base + reference);
      if (absolute) return absolute;
    }
    const typeId = typeIdOf(reference);
    return typeId ? this.aliases.get(typeId) : undefined;
  }

  /** Resources that hold a reference resolving to `target`. */
  referrers(target: PooledResource): PooledResource[] {
    this.referrersOf ??= this.buildReverseIndex();
    return this.referrersOf.get(target) ?? [];
  }

  /** References held by `entry` that resolve to nothing in the pool. */
  unresolvedReferences(entry: PooledResource): string[] {
    this.referrersOf ??= this.buildReverseIndex();
    return this.unresolved.get(entry) ?? [];
  }

  private buildReverseIndex(): Map<PooledResource, PooledResource[]> {
    const reverse = new Map<PooledResource, PooledResource[]>();
    for (const entry of this.entries) {
      for (const reference of collectReferences(entry.resource)) {
        const target = this.resolve(reference, entry);
        if (!target) {
          if (!reference.startsWith('#')) {
            const list = this.unresolved.get(entry) ?? [];
            list.push(reference);
            this.unresolved.set(entry, list);
          }
          continue;
        }
        if (target === entry) continue;
        const list = reverse.get(target) ?? [];
        if (!list.includes(entry)) list.push(entry);
        reverse.set(target, list);
      }
    }
    return reverse;
  }
}

/** Every `reference` string inside a resource (any depth, contained resources excluded). */
export function collectReferences(resource: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 32 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth + 1);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'contained') continue;
      if (key === 'reference' && typeof value === 'string') out.push(value);
      else if (typeof value === 'object') walk(value, depth + 1);
    }
  };
  walk(resource, 0);
  return out;
}
