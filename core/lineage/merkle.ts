/**
 * The Merkle tree of RFC 6962 (Certificate Transparency, section 2.1), as
 * RFC 9162 keeps it: the tree a lineage checkpoint's root is made of.
 *
 * A standard tree rather than one of our own, so an auditor can check an
 * inclusion proof with any RFC 6962 verifier, and so the code can be tested
 * against the published test vectors. Leaves and nodes are hashed with
 * different prefixes (0x00, 0x01), so a node can never pass for a leaf
 * (second-preimage resistance); the tree is split at the largest power of two
 * smaller than its size, so an odd node is carried up, never duplicated (the
 * duplication of Bitcoin's tree lets two leaf lists share a root).
 */
import { sha256 } from '../hash.js';
import { MerkleProofError } from './checkpoint-errors.js';

/** SHA-256 digests are 32 bytes; anything else in a proof is malformed. */
export const MERKLE_HASH_BYTES = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The hash of the empty tree: SHA-256 of the empty string (RFC 6962, section 2.1). */
export const EMPTY_TREE_HASH: Buffer = sha256(new Uint8Array(0));

/** The hash of one leaf: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX, data]));
}

/**
 * The hash of one leaf whose data is the UTF-8 of `text`: {@link leafHash}
 * without encoding the text into a buffer of its own first (U+0000 is the
 * single byte 0x00 in UTF-8, and pairs with no surrogate).
 */
export function leafHashOfText(text: string): Buffer {
  return sha256(`\u0000${text}`);
}

/**
 * The input of an inner node's hash, reused: a tree of n leaves hashes n - 1
 * nodes, and filling one buffer costs less than a Hash object per node.
 * Safe to share: hashing is synchronous, so no two nodes fill it at once.
 */
const nodeInput = Buffer.alloc(1 + 2 * MERKLE_HASH_BYTES);
nodeInput.set(NODE_PREFIX, 0);

/** The hash of an inner node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== MERKLE_HASH_BYTES || right.length !== MERKLE_HASH_BYTES) {
    return sha256(Buffer.concat([NODE_PREFIX, left, right]));
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + MERKLE_HASH_BYTES);
  return sha256(nodeInput);
}

/** The largest power of two smaller than `n` (n > 1): where RFC 6962 splits a tree of `n` leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of leaves [from, to) whose leaf hashes are given; a single leaf is its own hash, not copied. */
function subtreeHashOf(leafHashes: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return leafHashes[from] as Uint8Array;
  const k = splitPoint(n);
  return nodeHash(subtreeHashOf(leafHashes, from, from + k), subtreeHashOf(leafHashes, from + k, to));
}

/** MTH of leaves [from, to), as a Buffer of its own (the caller may keep or change it). */
function subtreeHash(leafHashes: readonly Uint8Array[], from: number, to: number): Buffer {
  if (to - from === 1) return Buffer.from(leafHashes[from] as Uint8Array);
  const k = splitPoint(to - from);
  return nodeHash(subtreeHashOf(leafHashes, from, from + k), subtreeHashOf(leafHashes, from + k, to));
}

/**
 * The Merkle tree hash (MTH) of a list of leaves given by their leaf hashes
 * ({@link leafHash}); {@link EMPTY_TREE_HASH} for none. Hashing the leaves
 * first lets a caller that needs them for proofs hash each leaf once.
 *
 * @example
 * const root = merkleRoot(entries.map(leafHash)).toString('hex');
 */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return Buffer.from(EMPTY_TREE_HASH);
  return subtreeHash(leafHashes, 0, leafHashes.length);
}

/** The Merkle tree hash of the leaves' data (RFC 6962's MTH(D[n])). */
export function merkleTreeHash(entries: readonly Uint8Array[]): Buffer {
  return merkleRoot(entries.map(leafHash));
}

/** PATH(m, D[from:to]) of RFC 6962, section 2.1.1, from the leaf up. */
function path(leafHashes: readonly Uint8Array[], m: number, from: number, to: number): Buffer[] {
  const n = to - from;
  if (n <= 1) return [];
  const k = splitPoint(n);
  return m < k
    ? [...path(leafHashes, m, from, from + k), subtreeHash(leafHashes, from + k, to)]
    : [...path(leafHashes, m - k, from + k, to), subtreeHash(leafHashes, from, from + k)];
}

/**
 * The audit path of the leaf at `index`: the sibling hashes from the leaf up
 * to the root (RFC 6962 section 2.1.1; RFC 9162 section 2.1.3.1).
 *
 * @throws MerkleProofError when `index` is not a leaf of the tree.
 */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new MerkleProofError(
      `cannot prove leaf ${index} of a tree of ${leafHashes.length} leaves: no such leaf`,
    );
  }
  return path(leafHashes, index, 0, leafHashes.length);
}

/**
 * The root an audit path leads to from a leaf (RFC 9162 section 2.1.3.2).
 *
 * @throws MerkleProofError when the index is outside the tree, a hash is not
 *   32 bytes, or the path is too short or too long for the leaf's position.
 */
export function rootFromInclusionProof(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) {
    throw new MerkleProofError(`a tree of ${treeSize} leaves has no leaf to prove`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new MerkleProofError(`leaf index ${index} is outside a tree of ${treeSize} leaves`);
  }
  if (leaf.length !== MERKLE_HASH_BYTES) {
    throw new MerkleProofError(`a leaf hash is ${MERKLE_HASH_BYTES} bytes, got ${leaf.length}`);
  }
  // Division instead of bit shifts: JavaScript shifts truncate to 32 bits.
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const [i, p] of proof.entries()) {
    if (p.length !== MERKLE_HASH_BYTES) {
      throw new MerkleProofError(`proof hash ${i} is ${p.length} bytes, not ${MERKLE_HASH_BYTES}`);
    }
    if (sn === 0) {
      throw new MerkleProofError(`the proof has ${proof.length} hashes, more than leaf ${index} needs`);
    }
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) {
    throw new MerkleProofError(`the proof has ${proof.length} hashes, fewer than leaf ${index} needs`);
  }
  return r;
}

/**
 * Whether `proof` shows the leaf with hash `leaf` at `index` in the tree of
 * `treeSize` leaves whose hash is `root`. False for any malformed proof.
 */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    return rootFromInclusionProof(index, treeSize, leaf, proof).equals(root);
  } catch (error) {
    if (error instanceof MerkleProofError) return false;
    throw error;
  }
}
