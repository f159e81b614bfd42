/**
 * A stable identifier for a finding: the same donor and rule give the same id on every re-screen, so
 * write-back is idempotent and a DetectedIssue is updated, not duplicated. FNV-1a 64-bit: no crypto
 * needed, because this is an identity, not a secret.
 */
export function stableId(...parts: string[]): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const text = parts.join('\u001f');
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
