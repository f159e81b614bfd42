import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A benchmark corpus of realistic workups: the demo workups and rule fixtures, cloned with fresh ids
 * (every id, fullUrl and reference rewritten) until the corpus holds `size` donors.
 */
export async function seedBundles(root: string): Promise<string[]> {
  const files: string[] = [];
  const examples = join(root, 'profiles', 'examples');
  for (const f of (await readdir(examples).catch(() => [] as string[])).sort()) if (f.endsWith('.json')) files.push(join(examples, f));
  const rulesDir = join(root, 'rules');
  for (const rule of (await readdir(rulesDir)).sort()) {
    const fixtures = join(rulesDir, rule, 'fixtures');
    for (const f of (await readdir(fixtures).catch(() => [] as string[])).sort()) if (f.endsWith('.json')) files.push(join(fixtures, f));
  }
  return Promise.all(files.map((f) => readFile(f, 'utf8')));
}

/** Rewrite ids so clones do not collide: resource ids, fullUrls and references all get the clone's tag. */
export function cloneBundleText(text: string, n: number): string {
  const tag = `c${n}-`;
  const uuidHead = n.toString(16).padStart(8, '0').slice(-8);
  const rewriteRef = (ref: string): string =>
    ref.startsWith('urn:uuid:')
      ? `urn:uuid:${uuidHead}${ref.slice('urn:uuid:'.length + 8)}`
      : ref.replace(/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,50})$/, (_m, type: string, id: string) => `${type}/${(tag + id).slice(0, 64)}`);
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    const isResource = 'resourceType' in node;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'id' && isResource && typeof v === 'string') out[k] = (tag + v).slice(0, 64);
      else if ((k === 'reference' || k === 'fullUrl') && typeof v === 'string') out[k] = rewriteRef(v);
      else out[k] = walk(v);
    }
    return out;
  };
  return JSON.stringify(walk(JSON.parse(text)));
}

export function buildCorpus(seeds: string[], size: number): string[] {
  const corpus: string[] = [];
  for (let i = 0; corpus.length < size; i++) corpus.push(cloneBundleText(seeds[i % seeds.length]!, i));
  return corpus;
}
