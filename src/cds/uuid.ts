import { createHash } from 'node:crypto';

/** DonorGuard's namespace for name-based UUIDs (itself a v5 UUID of "http://donorguard.org" in the URL namespace). */
export const DONORGUARD_NAMESPACE = '68fff9f6-9b0d-5214-ace3-b5c9b2292a3f';

function bytesOf(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/**
 * RFC 9562 version 5 (SHA-1, name-based) UUID: the same namespace and name always give the same UUID.
 * Card uuids are derived from `hookInstance` and the rule id, so feedback can be attributed to a rule
 * without keeping state, and a retried hook call yields the same cards.
 */
export function uuidV5(name: string, namespace: string = DONORGUARD_NAMESPACE): string {
  const hash = createHash('sha1').update(bytesOf(namespace)).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
