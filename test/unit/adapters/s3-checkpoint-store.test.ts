/**
 * The S3 checkpoint store keeps the folder store's layout, finds the latest
 * checkpoint without listing the bucket, and never replaces a checkpoint.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { checkpointObjectKey, S3CheckpointStore } from '../../../adapters/s3-checkpoint-store.js';
import { CheckpointConflictError } from '../../../core/lineage/checkpoint-store.js';

/** An in-memory bucket answering the four commands the store sends, counting them. */
function fakeBucket() {
  const objects = new Map<string, string>();
  const calls: string[] = [];
  const notFound = () =>
    Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  const client = {
    async send(command: unknown) {
      calls.push((command as object).constructor.name);
      if (command instanceof HeadObjectCommand) {
        if (!objects.has(command.input.Key ?? '')) throw notFound();
        return {};
      }
      if (command instanceof GetObjectCommand) {
        const body = objects.get(command.input.Key ?? '');
        if (body === undefined) throw notFound();
        return { Body: { transformToString: async () => body } };
      }
      if (command instanceof PutObjectCommand) {
        const key = command.input.Key ?? '';
        if (command.input.IfNoneMatch === '*' && objects.has(key)) {
          throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
            name: 'PreconditionFailed',
            $metadata: { httpStatusCode: 412 },
          });
        }
        objects.set(key, String(command.input.Body));
        return {};
      }
      if (command instanceof ListObjectsV2Command) {
        return { Contents: [...objects.keys()].sort().map((Key) => ({ Key })), IsTruncated: false };
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  };
  return { client: client as unknown as S3Client, objects, calls };
}

const signedOf = (sequence: number) => ({ checkpoint: { sequence }, signatures: [] }) as never;

it('stores each checkpoint as checkpoints/<12 digits>.json holding { signed, leaves }, as the folder store does', async () => {
  const bucket = fakeBucket();
  const store = new S3CheckpointStore({ client: bucket.client, bucketName: 'b' });
  await store.put(signedOf(0), [{ runId: 'r', seq: 0, hash: 'a'.repeat(64) }]);
  expect(checkpointObjectKey(42)).toBe('checkpoints/000000000042.json');
  expect(JSON.parse(bucket.objects.get('checkpoints/000000000000.json') ?? '')).toEqual({
    signed: signedOf(0),
    leaves: [{ runId: 'r', seq: 0, hash: 'a'.repeat(64) }],
  });
});

it('finds the latest of many checkpoints with a few HEAD requests, and lists them all in order', async () => {
  const bucket = fakeBucket();
  const writer = new S3CheckpointStore({ client: bucket.client, bucketName: 'b' });
  for (let sequence = 0; sequence < 1000; sequence++) await writer.put(signedOf(sequence), []);
  bucket.calls.length = 0;
  const cold = new S3CheckpointStore({ client: bucket.client, bucketName: 'b' });
  expect((await cold.latest())?.signed).toEqual(signedOf(999));
  expect(bucket.calls.filter((c) => c === 'HeadObjectCommand').length).toBeLessThanOrEqual(
    2 * Math.ceil(Math.log2(1000)) + 2,
  );
  bucket.calls.length = 0;
  expect((await cold.latest())?.signed).toEqual(signedOf(999));
  // Warm: the hint still exists and the next sequence does not.
  expect(bucket.calls.filter((c) => c === 'HeadObjectCommand')).toHaveLength(2);
  expect(
    (await cold.list()).map((s) => (s.signed as { checkpoint: { sequence: number } }).checkpoint.sequence),
  ).toEqual(Array.from({ length: 1000 }, (_, i) => i));
});

it('has no latest checkpoint in an empty bucket', async () => {
  const store = new S3CheckpointStore({ client: fakeBucket().client, bucketName: 'b' });
  expect(await store.latest()).toBeUndefined();
  expect(await store.list()).toEqual([]);
});

it('fails with CheckpointConflictError naming the object when the sequence is taken, and keeps the first', async () => {
  const bucket = fakeBucket();
  const store = new S3CheckpointStore({ client: bucket.client, bucketName: 'b' });
  await store.put(signedOf(0), []);
  const second = store.put({ checkpoint: { sequence: 0, other: true }, signatures: [] } as never, []);
  await expect(second).rejects.toThrow(CheckpointConflictError);
  await expect(second).rejects.toThrow(
    'checkpoint 0 is already stored as s3://b/checkpoints/000000000000.json',
  );
  expect(JSON.parse(bucket.objects.get(checkpointObjectKey(0)) ?? '').signed).toEqual(signedOf(0));
});

it('hands on an object that is not JSON as evidence for the verifier to report', async () => {
  const bucket = fakeBucket();
  bucket.objects.set(checkpointObjectKey(0), 'not json');
  const store = new S3CheckpointStore({ client: bucket.client, bucketName: 'b' });
  expect((await store.latest())?.signed).toEqual({
    unreadable: expect.stringContaining('checkpoints/000000000000.json is not JSON'),
  });
});
