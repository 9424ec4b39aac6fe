/**
 * The stacks' environment: explicit always, placeholders offline.
 */
import { DEFAULT_ACCOUNT, DEFAULT_REGION, resolveDeploymentEnv } from '../../lib/deployment-env.js';

it('uses the account and region the CDK CLI provides', () => {
  expect(
    resolveDeploymentEnv({ CDK_DEFAULT_ACCOUNT: '210987654321', CDK_DEFAULT_REGION: 'eu-west-1' }),
  ).toEqual({
    account: '210987654321',
    region: 'eu-west-1',
  });
});

it('falls back to placeholders so synth works offline without credentials', () => {
  expect(resolveDeploymentEnv({})).toEqual({ account: DEFAULT_ACCOUNT, region: DEFAULT_REGION });
  expect(resolveDeploymentEnv({ CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '' })).toEqual({
    account: '123456789012',
    region: 'us-east-1',
  });
});

it('fails on a malformed account, showing it', () => {
  expect(() => resolveDeploymentEnv({ CDK_DEFAULT_ACCOUNT: '1234' })).toThrow(
    'CDK_DEFAULT_ACCOUNT must be a 12-digit account id, got "1234"',
  );
});

it('fails on a malformed region, showing it', () => {
  expect(() => resolveDeploymentEnv({ CDK_DEFAULT_REGION: 'Virginia' })).toThrow(
    'CDK_DEFAULT_REGION must be a region such as us-east-1, got "Virginia"',
  );
});
