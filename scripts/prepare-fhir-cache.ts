/**
 * Builds the project-local FHIR package cache that SUSHI reads offline (ecosystem.md §B3).
 *
 * SUSHI (fhir-package-loader 2.x) loads `hl7.fhir.r4.core#4.0.1` from `$HOME/.fhir/packages/<name>#<version>/package/`
 * and only downloads it when absent. `hl7.fhir.r4.core` has no versions on npm, but the npm package
 * `hl7.fhir.r4.examples@4.0.1` (HL7, CC0) ships the same R4 conformance resources, so we copy those into
 * `.cache/fhir-home/.fhir/packages/hl7.fhir.r4.core#4.0.1/package/` and run SUSHI with `HOME=.cache/fhir-home`.
 *
 * Idempotent: a marker file records what was copied; a complete cache is left alone. The cache is built in a
 * temporary sibling directory and renamed into place, so an interrupted or concurrent run never leaves a
 * half-filled package behind.
 *
 * Usage: `tsx scripts/prepare-fhir-cache.ts` (prints the cache's HOME directory).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The directory to use as `HOME` when running SUSHI. */
export const FHIR_HOME = join(REPO_ROOT, '.cache', 'fhir-home');

const CORE_PACKAGE = 'hl7.fhir.r4.core#4.0.1';
const SOURCE_PACKAGE = 'hl7.fhir.r4.examples';
const MARKER = '.donorguard-cache.json';

/** The resource types SUSHI needs from the core package (conformance resources, no examples). */
const CONFORMANCE_PREFIXES = [
  'StructureDefinition-',
  'ValueSet-',
  'CodeSystem-',
  'SearchParameter-',
  'OperationDefinition-',
  'ConceptMap-',
  'NamingSystem-',
  'CompartmentDefinition-',
  'CapabilityStatement-',
];

/** The `package.json` that makes the copied files look like `hl7.fhir.r4.core#4.0.1` to fhir-package-loader. */
const CORE_MANIFEST = { name: 'hl7.fhir.r4.core', version: '4.0.1', fhirVersions: ['4.0.1'], type: 'Core' };

interface Marker {
  source: string;
  sourceVersion: string;
  files: number;
}

export interface PrepareResult {
  /** The directory to use as `HOME` for SUSHI. */
  home: string;
  /** The package directory holding the copied resources. */
  packageDir: string;
  /** False when a complete cache was already there. */
  created: boolean;
  /** Number of resource files in the cache. */
  files: number;
}

function sourceDir(): { dir: string; version: string } {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const manifestPath = require.resolve(`${SOURCE_PACKAGE}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: unknown };
  return { dir: dirname(manifestPath), version: String(manifest.version) };
}

function readMarker(packageDir: string): Marker | undefined {
  const path = join(packageDir, MARKER);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure the offline SUSHI cache exists under `home` (default `.cache/fhir-home`) and returns where it is.
 * Throws when `hl7.fhir.r4.examples` is not installed.
 */
export function prepareFhirCache(home: string = FHIR_HOME): PrepareResult {
  const packagesDir = join(home, '.fhir', 'packages');
  const packageDir = join(packagesDir, CORE_PACKAGE, 'package');
  const source = sourceDir();

  const marker = readMarker(packageDir);
  if (marker?.source === SOURCE_PACKAGE && marker.sourceVersion === source.version && marker.files > 0) {
    return { home, packageDir, created: false, files: marker.files };
  }

  const names = readdirSync(source.dir).filter(
    (name) => name.endsWith('.json') && CONFORMANCE_PREFIXES.some((prefix) => name.startsWith(prefix)),
  );
  if (names.length === 0) throw new Error(`${SOURCE_PACKAGE} at ${source.dir} holds no conformance resources`);

  const staging = join(packagesDir, `.staging-${process.pid}-${Date.now()}`);
  const stagingPackage = join(staging, 'package');
  mkdirSync(stagingPackage, { recursive: true });
  try {
    for (const name of names) copyFileSync(join(source.dir, name), join(stagingPackage, name));
    writeFileSync(join(stagingPackage, 'package.json'), `${JSON.stringify(CORE_MANIFEST, null, 2)}\n`);
    const newMarker: Marker = { source: SOURCE_PACKAGE, sourceVersion: source.version, files: names.length };
    writeFileSync(join(stagingPackage, MARKER), `${JSON.stringify(newMarker, null, 2)}\n`);

    const target = join(packagesDir, CORE_PACKAGE);
    // A stale or half-built cache (no valid marker) is replaced; a complete one built concurrently is kept.
    if (readMarker(packageDir) === undefined) rmSync(target, { recursive: true, force: true });
    if (!existsSync(target)) {
      try {
        renameSync(staging, target);
      } catch (error) {
        if (readMarker(packageDir) === undefined) throw error;
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { home, packageDir, created: true, files: names.length };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = prepareFhirCache();
  process.stdout.write(
    `${result.created ? 'Built' : 'Reused'} ${CORE_PACKAGE} cache (${result.files} resources) in ${result.home}\n`,
  );
}
