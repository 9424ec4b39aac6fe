/**
 * SHA-256 helpers for evidence: lineage hashes, prompt and policy-set hashes, binding hashes.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Lowercase hex SHA-256 of a value's canonical JSON. */
export function hashOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
