/**
 * `awf audit checkpoint`: makes the next signed checkpoint of every lineage
 * chain now, as the local cloud does every few minutes.
 */
import { Ed25519CheckpointSigner } from '../../adapters/ed25519-checkpoint-signer.js';
import { KmsRecordKeys } from '../../adapters/kms-record-keys.js';
import { AwfError } from '../../core/errors.js';
import { writeNextCheckpoint } from '../../core/lineage/checkpointer.js';
import { localCheckpointOrigin, localCheckpointStore } from '../../local/lineage/checkpointing.js';
import { LOCAL_STATE_DIR } from '../../local/process/state-file.js';
import { type OutputOptions, print } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/**
 * Builds, signs (the state folder's Ed25519 key) and stores the next
 * checkpoint of the local cloud's lineage; prints its sequence and size.
 *
 * @throws AwfError with `--aws`: the stack's checkpointer function makes them there.
 * @throws CheckpointError when the latest checkpoint is damaged or not signed by this key.
 */
export async function auditCheckpoint(target: Target, options: OutputOptions): Promise<void> {
  if (target.kind === 'aws') {
    throw new AwfError(
      "in AWS, checkpoints are made by the stack's checkpointer function on its schedule; not available from the CLI",
    );
  }
  const stateDir = target.stateDir ?? LOCAL_STATE_DIR;
  const summary = await writeNextCheckpoint({
    store: localCheckpointStore(stateDir),
    source: storesOf(target).lineage,
    signers: [await Ed25519CheckpointSigner.open(stateDir)],
    clock: () => new Date(),
    origin: localCheckpointOrigin(target.lineageTable),
    ...(Object.keys(target.recordKeys).length > 0 && {
      recordKeys: new KmsRecordKeys({ client: target.clients.kms, keyIds: target.recordKeys }),
    }),
  });
  const { checkpoint } = summary.signed;
  print(
    {
      sequence: summary.sequence,
      createdAt: checkpoint.createdAt,
      merkleRoot: checkpoint.merkleRoot,
      leafCount: summary.leafCount,
      chains: summary.chains,
      damaged: checkpoint.damaged,
    },
    options,
    (r) =>
      [
        `checkpoint ${r.sequence} made ${r.createdAt}: ${r.leafCount} new records under root ${r.merkleRoot}, ${r.chains} chains anchored`,
        ...r.damaged.map(
          (d) => `  DAMAGED ${d.runId}: first bad record ${d.firstBadSeq} (${d.kind}): ${d.problem}`,
        ),
      ].join('\n'),
  );
}
