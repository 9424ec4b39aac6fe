/**
 * Builders for the anchored-lineage tests: valid chains of any length, a
 * chain source over them, in-memory signers, and the damage an attacker
 * (with or without a writer's key) can do to a chain.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { computeRecordHash } from '../../../core/lineage/chain.js';
import type { CheckpointSignature } from '../../../core/lineage/checkpoint.js';
import type { LineageChainSource } from '../../../core/lineage/checkpoint-builder.js';
import { type CheckpointSigner, publicKeyId } from '../../../core/lineage/checkpoint-signature.js';
import type { LineageRecord, LineageRecordType } from '../../../core/lineage/record.js';
import { LINEAGE_REGISTRY } from '../../../core/lineage/registry.js';
import { aValidChain } from '../../support/lineage-builders.js';
import { testRecordKeys } from '../../support/trusted-ports.js';

/** A valid chain of `length` records (>= 1), MACs made with the tests' record keys. */
export function aChainOf(runId: string, length: number): LineageRecord[] {
  const types: LineageRecordType[] =
    length === 1
      ? ['run.started']
      : ['run.started', ...Array<LineageRecordType>(length - 2).fill('context.grounded'), 'run.completed'];
  return aValidChain(runId, types);
}

/** The chain with its record at `seq` replaced by `edit` of it, and every later record re-linked, re-hashed and re-MACed: a rewrite by someone holding the writers' keys. */
export function rewrittenFrom(
  chain: readonly LineageRecord[],
  seq: number,
  edit = (r: LineageRecord) => ({ ...r, data: { rewritten: true } }),
): LineageRecord[] {
  const keys = testRecordKeys();
  const out: LineageRecord[] = chain.slice(0, seq).map((r) => ({ ...r }));
  for (const record of chain.slice(seq)) {
    const base = record.seq === seq ? edit(record) : record;
    const prevHash = out.at(-1)?.hash ?? base.prevHash;
    const relinked = { ...base, prevHash };
    const hash = computeRecordHash(relinked);
    out.push({ ...relinked, hash, mac: keys.macOf(LINEAGE_REGISTRY[record.type].writer, hash) });
  }
  return out;
}

/** Appends `count` valid records to a chain (as the platform would, MACs included), `at` as given. */
export function appended(
  chain: readonly LineageRecord[],
  count: number,
  at = '2026-11-02T15:00:00.000Z',
): LineageRecord[] {
  const keys = testRecordKeys();
  const out = [...chain];
  for (let i = 0; i < count; i++) {
    const last = out.at(-1) as LineageRecord;
    const unhashed = {
      ...last,
      seq: last.seq + 1,
      at,
      prevHash: last.hash,
      type: 'context.grounded' as const,
      data: { more: i },
    };
    const { hash: _h, mac: _m, ...rest } = unhashed;
    const hash = computeRecordHash(rest);
    out.push({ ...rest, hash, mac: keys.macOf('ground', hash) });
  }
  return out;
}

/** A chain source over a map the test changes between checkpoints. */
export function sourceOf(chains: Map<string, LineageRecord[]>): LineageChainSource {
  return {
    chainIds: async () => [...chains.keys()],
    chain: async (runId) => structuredClone(chains.get(runId) ?? []),
  };
}

/** An Ed25519 signer with a key made in memory. */
export class TestSigner implements CheckpointSigner {
  readonly algorithm = 'ed25519' as const;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('ed25519');
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  async keyId(): Promise<string> {
    return publicKeyId(this.publicKey);
  }

  async publicKeyPem(): Promise<string> {
    return this.pem;
  }

  get pem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  async sign(message: Uint8Array): Promise<CheckpointSignature> {
    return {
      keyId: await this.keyId(),
      algorithm: 'ed25519',
      signature: sign(null, message, this.privateKey).toString('base64'),
    };
  }
}

/** A clock that reads `iso`. */
export const at = (iso: string) => () => new Date(iso);
