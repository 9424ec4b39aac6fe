/**
 * The RFC 6962 Merkle tree against the published test vectors of
 * transparency-dev/merkle (`rfc6962/rfc6962_test.go`, `proof/verify_test.go`),
 * and the audit paths it makes verify and fail as RFC 9162 says.
 */
import fc from 'fast-check';
import { MerkleProofError } from '../../../core/lineage/checkpoint-errors.js';
import {
  EMPTY_TREE_HASH,
  inclusionProof,
  leafHash,
  merkleRoot,
  merkleTreeHash,
  nodeHash,
  rootFromInclusionProof,
  verifyInclusion,
} from '../../../core/lineage/merkle.js';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');

/** The eight leaves of the vectors' tree, as data. */
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

/** The root of the tree of the first n leaves, n = 1..8. */
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Audit paths of the vectors: leaf (0-based here), tree size, path. */
const PROOFS: readonly { leaf: number; size: number; path: string[] }[] = [
  {
    leaf: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

describe('RFC 6962 hashes', () => {
  it('hashes the empty tree to SHA-256 of the empty string', () => {
    expect(EMPTY_TREE_HASH.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(merkleRoot([]).toString('hex')).toBe(EMPTY_TREE_HASH.toString('hex'));
  });

  it('hashes a leaf with the 0x00 prefix, so the empty leaf differs from the empty tree', () => {
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(leafHash(Buffer.from('L123456')).toString('hex')).toBe(
      '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
    );
  });

  it('hashes a node with the 0x01 prefix, in order', () => {
    expect(nodeHash(Buffer.from('N123'), Buffer.from('N456')).toString('hex')).toBe(
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
    const [a, b] = [leafHash(Buffer.from('Hello')), leafHash(Buffer.from('World'))];
    expect(nodeHash(a, b).equals(nodeHash(b, a))).toBe(false);
    expect(nodeHash(a, b).equals(leafHash(Buffer.concat([a, b])))).toBe(false);
  });

  it.each(ROOTS.map((root, i) => [i + 1, root]))(
    'gives the published root of the first %i leaves',
    (n, root) => {
      expect(merkleTreeHash(LEAVES.slice(0, Number(n))).toString('hex')).toBe(root);
    },
  );
});

describe('inclusion proofs', () => {
  it.each(PROOFS)(
    'makes the published audit path of leaf $leaf in a tree of $size',
    ({ leaf, size, path }) => {
      const hashes = LEAVES.slice(0, size).map(leafHash);
      expect(inclusionProof(hashes, leaf).map((h) => h.toString('hex'))).toEqual(path);
    },
  );

  it.each(PROOFS)(
    'verifies the published audit path of leaf $leaf in a tree of $size',
    ({ leaf, size, path }) => {
      const root = hex(ROOTS[size - 1] as string);
      const leafH = leafHash(LEAVES[leaf] as Buffer);
      expect(rootFromInclusionProof(leaf, size, leafH, path.map(hex)).toString('hex')).toBe(ROOTS[size - 1]);
      expect(verifyInclusion(leaf, size, leafH, path.map(hex), root)).toBe(true);
    },
  );

  it.each(PROOFS)(
    'fails the corrupted variants of the audit path of leaf $leaf in a tree of $size',
    ({ leaf, size, path }) => {
      const root = hex(ROOTS[size - 1] as string);
      const leafH = leafHash(LEAVES[leaf] as Buffer);
      const proof = path.map(hex);
      const flipped = (i: number) =>
        proof.map((p, j) => (j === i ? Buffer.from(p.map((x, k) => (k === 0 ? x ^ 8 : x))) : p));
      const probes: [string, number, number, Buffer, Buffer[], Buffer][] = [
        ['index - 1', leaf - 1, size, leafH, proof, root],
        ['index + 1', leaf + 1, size, leafH, proof, root],
        ['index ^ 2', leaf ^ 2, size, leafH, proof, root],
        ['size * 2', leaf, size * 2, leafH, proof, root],
        ['size / 2', leaf, Math.floor(size / 2), leafH, proof, root],
        ['wrong leaf', leaf, size, leafHash(Buffer.from('WrongLeaf')), proof, root],
        ['empty root', leaf, size, leafH, proof, EMPTY_TREE_HASH],
        ['random root', leaf, size, leafH, proof, SOME_HASH],
        ['trailing garbage', leaf, size, leafH, [...proof, Buffer.alloc(0)], root],
        ['trailing root', leaf, size, leafH, [...proof, root], root],
        ['preceding garbage', leaf, size, leafH, [Buffer.alloc(0), ...proof], root],
        ['preceding root', leaf, size, leafH, [root, ...proof], root],
        ['removed component', leaf, size, leafH, proof.slice(0, -1), root],
        ...proof.map((_, i): [string, number, number, Buffer, Buffer[], Buffer] => [
          `flipped bit in proof[${i}]`,
          leaf,
          size,
          leafH,
          flipped(i),
          root,
        ]),
      ];
      if (proof.length > 1) {
        probes.push([
          'inserted component',
          leaf,
          size,
          leafH,
          [proof[0] as Buffer, SOME_HASH, ...proof.slice(1)],
          root,
        ]);
      }
      const accepted = probes
        .filter(([, i, n, l, p, r]) => verifyInclusion(i, n, l, p, r))
        .map(([name]) => name);
      expect(accepted).toEqual([]);
    },
  );

  it('verifies the single leaf of a one-leaf tree with an empty path, and nothing else', () => {
    const hash = leafHash(Buffer.from('data'));
    expect(verifyInclusion(0, 1, hash, [], hash)).toBe(true);
    expect(verifyInclusion(0, 1, Buffer.alloc(0), [], hash)).toBe(false);
    expect(verifyInclusion(0, 1, hash, [], Buffer.alloc(0))).toBe(false);
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion(index, size, SOME_HASH, [], EMPTY_TREE_HASH)).toBe(false);
    }
  });

  it('fails to prove a leaf the tree does not have, naming it', () => {
    expect(() => inclusionProof([leafHash(Buffer.from('a'))], 1)).toThrow(
      new MerkleProofError('cannot prove leaf 1 of a tree of 1 leaves: no such leaf'),
    );
  });

  it('proves every leaf of any tree, and the proof leads to the root', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 70 }),
        fc.nat(),
        (data, at) => {
          const hashes = data.map(leafHash);
          const root = merkleRoot(hashes);
          const index = at % hashes.length;
          return verifyInclusion(
            index,
            hashes.length,
            hashes[index] as Buffer,
            inclusionProof(hashes, index),
            root,
          );
        },
      ),
    );
  });
});
