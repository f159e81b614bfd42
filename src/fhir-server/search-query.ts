import type { SearchParameter } from 'fhir/r4.js';
import { HttpError } from '../http/errors/http-error.js';
import { isFhirResourceType, r4SearchParameters, SUPPORTED_SEARCH_PARAM_TYPES } from './definitions.js';

/**
 * Rewrites a FHIR search query so Medplum's in-memory matcher answers it the way an R4 server would,
 * and refuses (400) what it would silently get wrong, so a caller never mistakes "unsupported" for
 * "no data" (architecture.md: fail loud).
 *
 * - Reference params with a bare id (`RelatedPerson?patient=123`, what CDS prefetch templates expand to)
 *   become `patient=Patient/123`. When the parameter allows several target types, the id is expanded to
 *   all of them (`subject=Patient/123,Group/123,…`, an OR), which is the R4 meaning of a bare id and
 *   always includes Patient for `subject`/`patient`/`beneficiary`.
 * - A type modifier (`subject:Patient=123`) becomes `subject=Patient/123`.
 * - Absolute references on this server (`{base}/Patient/123`) become relative.
 * - Unknown parameters, chains (`subject.name`), `_has`, and parameter types the matcher cannot evaluate
 *   (number, quantity, composite, special) are rejected with 400 in strict mode and left alone otherwise.
 */

export interface NormaliseOptions {
  /** Public base URL of this server, without trailing slash; absolute references under it are made relative. */
  baseUrl: string;
  /** Reject what cannot be answered faithfully (default true). False: only rewrite (used inside batches). */
  strict?: boolean;
}

/** Result-shaping parameters the adapter handles (Medplum, or the adapter itself for paging and _include). */
const RESULT_PARAMS = new Set([
  '_count',
  '_offset',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
  '_format',
  '_pretty',
  '_',
]);

/** Search features Medplum's MemoryRepository silently ignores or answers with nothing. */
const UNSUPPORTED_PARAMS = new Set([
  '_has',
  '_text',
  '_content',
  '_list',
  '_query',
  '_filter',
  '_contained',
  '_containedType',
  '_type',
  '_cursor',
  '_compartment',
]);

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Reference modifiers the matcher handles besides a resource type. */
const REFERENCE_MODIFIERS = new Set(['', 'missing', 'not']);

export function normaliseSearchQuery(
  resourceType: string,
  query: URLSearchParams,
  options: NormaliseOptions,
): URLSearchParams {
  const strict = options.strict ?? true;
  const params = r4SearchParameters(resourceType);
  const out = new URLSearchParams();
  const reject = (text: string, expression?: string): void => {
    if (strict) {
      throw HttpError.of(400, 'not-supported', text, expression === undefined ? {} : { expression });
    }
  };

  for (const [key, value] of query) {
    const colon = key.indexOf(':');
    const code = colon >= 0 ? key.slice(0, colon) : key;
    const modifier = colon >= 0 ? key.slice(colon + 1) : '';

    if (key === '') {
      continue;
    }
    if (RESULT_PARAMS.has(code)) {
      checkResultParam(resourceType, code, modifier, value, reject);
      out.append(key, value);
      continue;
    }
    if (UNSUPPORTED_PARAMS.has(code) || code.includes('.')) {
      reject(`Search parameter "${key}" is not supported by this server`, key);
      out.append(key, value);
      continue;
    }
    const param = params.get(code);
    if (!param) {
      reject(`Unknown search parameter "${code}" for ${resourceType}`, key);
      out.append(key, value);
      continue;
    }
    if (!SUPPORTED_SEARCH_PARAM_TYPES.has(param.type)) {
      reject(`Search parameter "${code}" (type ${param.type}) is not supported by this server`, key);
      out.append(key, value);
      continue;
    }
    if (param.type !== 'reference') {
      out.append(key, value);
      continue;
    }

    // Reference parameter
    const typeModifier = modifier !== '' && isFhirResourceType(modifier) ? modifier : undefined;
    if (!typeModifier && !REFERENCE_MODIFIERS.has(modifier)) {
      reject(`Modifier ":${modifier}" on reference parameter "${code}" is not supported by this server`, key);
      out.append(key, value);
      continue;
    }
    if (modifier === 'missing') {
      out.append(key, value);
      continue;
    }
    const targets = orderTargets(param, typeModifier);
    const values = value.split(',').flatMap((v) => normaliseReferenceValue(v, targets, options.baseUrl));
    out.append(typeModifier ? code : key, [...new Set(values)].join(','));
  }
  return out;
}

function checkResultParam(
  resourceType: string,
  code: string,
  modifier: string,
  value: string,
  reject: (text: string, expression?: string) => void,
): void {
  switch (code) {
    case '_count':
    case '_offset':
      if (!/^[0-9]{1,9}$/.test(value)) {
        reject(`${code} must be a non-negative integer`, code);
      }
      return;
    case '_sort':
      for (const field of value.split(',')) {
        const name = field.startsWith('-') ? field.slice(1) : field;
        if (!r4SearchParameters(resourceType).has(name)) {
          reject(`Cannot sort ${resourceType} by unknown search parameter "${name}"`, '_sort');
        }
      }
      return;
    case '_include':
    case '_revinclude': {
      if (modifier !== '') {
        reject(`${code}:${modifier} is not supported by this server`, code);
        return;
      }
      const [source = '', paramCode = '', target] = value.split(':');
      const param = isFhirResourceType(source) ? r4SearchParameters(source).get(paramCode) : undefined;
      if (!param || param.type !== 'reference' || (target !== undefined && !isFhirResourceType(target))) {
        reject(`${code}=${value} does not name a reference search parameter (Type:param[:TargetType])`, code);
      } else if (code === '_include' && source !== resourceType) {
        reject(`_include=${value} must start with the searched type ${resourceType}`, code);
      }
      return;
    }
    default:
      return;
  }
}

/** Target types of a reference parameter, Patient first (the usual meaning of subject/patient/beneficiary). */
function orderTargets(param: SearchParameter, typeModifier: string | undefined): string[] {
  if (typeModifier) {
    return [typeModifier];
  }
  const targets = (param.target ?? []).filter((t) => isFhirResourceType(t));
  return targets.includes('Patient') ? ['Patient', ...targets.filter((t) => t !== 'Patient')] : targets;
}

function normaliseReferenceValue(raw: string, targets: readonly string[], baseUrl: string): string[] {
  let value = raw.trim();
  const prefix = `${baseUrl}/`;
  if (value.startsWith(prefix)) {
    value = value.slice(prefix.length);
  }
  if (FHIR_ID.test(value) && targets.length > 0) {
    return targets.map((t) => `${t}/${value}`);
  }
  return [value];
}
