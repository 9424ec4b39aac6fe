/**
 * The ARNs `bedrock:InvokeModel` is granted on, for each kind of model id.
 */
import { Stack } from 'aws-cdk-lib';
import { InfrastructurePropsError } from '../../lib/errors.js';
import { INFERENCE_PROFILE_REGIONS, modelInvokeArns, parseModelId } from '../../lib/grants/model-invoke.js';

const construct = new Stack(undefined, 'Workflows');
const scope = { construct, partition: 'aws', region: 'us-east-1', account: '123456789012' };
const haiku = 'anthropic.claude-3-5-haiku-20241022-v1:0';

it('grants a foundation model in the stack region only', () => {
  expect(modelInvokeArns(haiku, scope)).toEqual([`arn:aws:bedrock:us-east-1::foundation-model/${haiku}`]);
});

it('grants a US inference profile in this account and region plus the model in each US destination region', () => {
  expect(modelInvokeArns(`us.${haiku}`, scope)).toEqual([
    `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${haiku}`,
    ...INFERENCE_PROFILE_REGIONS.us.map((region) => `arn:aws:bedrock:${region}::foundation-model/${haiku}`),
  ]);
});

it('grants an EU inference profile from an EU region with the EU destination regions', () => {
  const arns = modelInvokeArns(`eu.${haiku}`, { ...scope, region: 'eu-west-1', partition: 'aws' });
  expect(arns[0]).toBe(`arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.${haiku}`);
  expect(arns.slice(1)).toEqual(
    INFERENCE_PROFILE_REGIONS.eu.map((region) => `arn:aws:bedrock:${region}::foundation-model/${haiku}`),
  );
});

it('grants an APAC inference profile with the given destination regions when they are configured', () => {
  expect(
    modelInvokeArns(`apac.${haiku}`, {
      ...scope,
      region: 'ap-southeast-2',
      destinationRegions: ['ap-southeast-2', 'ap-northeast-1'],
    }),
  ).toEqual([
    `arn:aws:bedrock:ap-southeast-2:123456789012:inference-profile/apac.${haiku}`,
    `arn:aws:bedrock:ap-southeast-2::foundation-model/${haiku}`,
    `arn:aws:bedrock:ap-northeast-1::foundation-model/${haiku}`,
  ]);
});

it('grants a global inference profile, the model in the stack region and the region-less model ARN, never a wildcard', () => {
  const arns = modelInvokeArns(`global.${haiku}`, scope);
  expect(arns).toEqual([
    `arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.${haiku}`,
    `arn:aws:bedrock:us-east-1::foundation-model/${haiku}`,
    `arn:aws:bedrock:::foundation-model/${haiku}`,
  ]);
  for (const arn of arns) expect(arn).not.toContain('*');
});

it('tells profiles from foundation models by the geography prefix, not by any dot', () => {
  expect(parseModelId(haiku, construct)).toEqual({ kind: 'foundation-model', modelId: haiku });
  expect(parseModelId(`us.${haiku}`, construct)).toEqual({
    kind: 'inference-profile',
    profileId: `us.${haiku}`,
    modelId: haiku,
    geography: 'us',
  });
});

it('fails on a geographic profile called from outside its geography, naming model and region', () => {
  expect(() => modelInvokeArns(`apac.${haiku}`, scope)).toThrow(InfrastructurePropsError);
  expect(() => modelInvokeArns(`apac.${haiku}`, scope)).toThrow(
    `inference profile "apac.${haiku}" routes within apac`,
  );
});

it('fails on a model id that cannot be part of an ARN, showing it', () => {
  expect(() => modelInvokeArns('anthropic.claude/*', scope)).toThrow(
    'model id must be a bedrock model or inference profile id such as "anthropic.claude-3-5-haiku-20241022-v1:0", got "anthropic.claude/*"',
  );
});

it('fails on a profile prefix with no model after it', () => {
  expect(() => parseModelId('us.haiku', construct)).toThrow(
    'inference profile id must name a foundation model after "us.", got "us.haiku"',
  );
});
