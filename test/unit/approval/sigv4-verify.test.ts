/**
 * The local function URLs' signature check: what AWS_IAM auth refuses is
 * refused here too, and a request signed by the SDK's signer passes.
 */
import { signRequest } from '../../../adapters/sigv4.js';
import { verifySignature } from '../../../local/iam/sigv4-verify.js';

const alice = { accessKeyId: 'ASIAALICE0000000', secretAccessKey: 'alice-secret' };
const secretOf = (key: string) => (key === alice.accessKeyId ? alice : undefined);
const NOW = new Date('2026-12-05T10:00:00Z');
const url = new URL('http://127.0.0.1:4010/0123abcd/approvals/appr-1/decision');
const body = JSON.stringify({ decision: 'APPROVE', reason: 'Checked.' });

async function signed(options: { credentials?: typeof alice; at?: Date; service?: string } = {}) {
  const headers = await signRequest(
    { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
    {
      credentials: options.credentials ?? alice,
      region: 'us-east-1',
      service: options.service ?? 'lambda',
      signingDate: options.at ?? NOW,
    },
  );
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

const verify = (
  headers: Record<string, string>,
  changes: { body?: string; url?: URL; method?: string } = {},
) =>
  verifySignature(
    { method: changes.method ?? 'POST', url: changes.url ?? url, headers, body: changes.body ?? body },
    secretOf,
    'lambda',
    NOW,
  );

describe('SigV4 verification of local function URL requests', () => {
  it("accepts a request signed by the SDK's signer, naming the access key", async () => {
    expect(await verify(await signed())).toEqual({ valid: true, accessKeyId: alice.accessKeyId });
  });

  it('refuses an unsigned request', async () => {
    expect(await verify({ host: url.host, 'content-type': 'application/json' })).toEqual({
      valid: false,
      reason: 'the request is not signed (no Authorization header)',
    });
  });

  it('refuses a request signed with another secret for the same access key', async () => {
    const check = await verify(await signed({ credentials: { ...alice, secretAccessKey: 'guessed' } }));
    expect(check).toEqual({ valid: false, reason: expect.stringMatching(/signature does not match/) });
  });

  it('refuses a signed request whose body, path or method was changed after signing', async () => {
    const headers = await signed();
    for (const changes of [
      { body: body.replace('APPROVE', 'REJECT') },
      { url: new URL('http://127.0.0.1:4010/0123abcd/approvals/appr-2/decision') },
      { method: 'PUT' },
    ]) {
      expect(await verify(headers, changes)).toMatchObject({ valid: false });
    }
  });

  it('refuses an unknown access key, another service, and a signature more than five minutes old', async () => {
    expect(
      await verify(await signed({ credentials: { ...alice, accessKeyId: 'ASIAMALLORY00000' } })),
    ).toEqual({
      valid: false,
      reason: "the access key ASIAMALLORY00000 is not a local identity's",
    });
    expect(await verify(await signed({ service: 'execute-api' }))).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/signed for service "execute-api"/),
    });
    expect(await verify(await signed({ at: new Date(NOW.getTime() - 6 * 60 * 1000) }))).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/more than 5 minutes from now/),
    });
  });

  it('refuses a malformed Authorization header', async () => {
    expect(await verify({ host: url.host, authorization: 'Bearer alice' })).toEqual({
      valid: false,
      reason: 'the Authorization header is not a SigV4 signature',
    });
  });
});
