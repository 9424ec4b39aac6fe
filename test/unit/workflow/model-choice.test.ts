/**
 * The agent's models and budget in the spec, and a deployment's choice of
 * models: in the pack (defineWorkflow), in CDK context (lib), and in the Plan
 * Lambda's environment (lambdas), all checked the same way.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ConfigurationError, WorkflowSpecError } from '../../../core/errors.js';
import { ENV } from '../../../core/runtime-env.js';
import { modelChoiceFromContext, withModelChoice } from '../../../core/workflow/model-choice.js';
import { defineWorkflow, type WorkflowSpecInput } from '../../../core/workflow/spec.js';
import { deployedPack } from '../../../lambdas/config.js';
import { grantModelInvoke } from '../../../lib/grants/model-invoke.js';
import { deploymentSpec } from '../../../lib/model-choice.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';

const HAIKU_45 = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const SONNET_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

function withAgent(agent: Partial<WorkflowSpecInput['agent']>): WorkflowSpecInput {
  const input = aWorkflowSpecInput();
  return { ...input, agent: { ...input.agent, ...agent } };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowSpecError);
    return [...(error as WorkflowSpecError).problems];
  }
  throw new Error('expected a WorkflowSpecError');
}

describe('the agent section of the spec', () => {
  it('defaults to no fallback models and no budget', () => {
    const spec = defineWorkflow(aWorkflowSpecInput());
    expect(spec.agent.fallbackModels).toEqual([]);
    expect(spec.agent.budget).toBeUndefined();
  });

  it('records when the reference pack checked its model, and the model is priced', () => {
    expect(refundTriage.agent).toMatchObject({ modelId: HAIKU_45, modelCheckedOn: '2026-12-04' });
  });

  it('fails a fallback that repeats the model or an earlier fallback, naming it', () => {
    expect(
      problemsOf(() =>
        defineWorkflow(withAgent({ modelId: HAIKU_45, fallbackModels: [SONNET_45, HAIKU_45, SONNET_45] })),
      ),
    ).toEqual([
      `agent.fallbackModels.1: expected a model not listed before it (modelId or an earlier fallback), got "${HAIKU_45}" again`,
      `agent.fallbackModels.2: expected a model not listed before it (modelId or an earlier fallback), got "${SONNET_45}" again`,
    ]);
  });

  it('fails a budget in USD with a model the price table cannot price', () => {
    expect(
      problemsOf(() =>
        defineWorkflow(withAgent({ fallbackModels: ['acme.private-v1'], budget: { maxUsd: 1 } })),
      ),
    ).toEqual([expect.stringMatching(/^agent\.budget\.maxUsd: .*got no price for "acme\.private-v1"/)]);
  });

  it('accepts a budget in tokens whatever the models', () => {
    const spec = defineWorkflow(withAgent({ modelId: 'acme.private-v1', budget: { maxTokens: 20_000 } }));
    expect(spec.agent.budget).toEqual({ maxTokens: 20_000 });
  });

  it('fails an empty budget and a check date that is not a date', () => {
    expect(problemsOf(() => defineWorkflow(withAgent({ budget: {} })))).toEqual([
      'agent.budget: expected maxTokens, maxUsd or both',
    ]);
    expect(problemsOf(() => defineWorkflow(withAgent({ modelCheckedOn: '4 Dec 2026' })))).toEqual([
      'agent.modelCheckedOn: expected a date such as "2026-12-04"',
    ]);
  });
});

describe('a deployment choice of models', () => {
  const spec = defineWorkflow(withAgent({ modelId: HAIKU_45, budget: { maxUsd: 1 } }));

  it('replaces the model and the fallbacks, keeping the rest of the spec', () => {
    const chosen = withModelChoice(spec, { modelId: SONNET_45, fallbackModels: [HAIKU_45] });
    expect(chosen.agent).toEqual({ ...spec.agent, modelId: SONNET_45, fallbackModels: [HAIKU_45] });
    expect(withModelChoice(spec, {})).toBe(spec);
  });

  it('is checked as the pack is: a repeated or unpriced model fails, naming it', () => {
    expect(() => withModelChoice(spec, { fallbackModels: [HAIKU_45] })).toThrow(WorkflowSpecError);
    expect(() => withModelChoice(spec, { modelId: 'acme.private-v1' })).toThrow(
      /no price for "acme\.private-v1"/,
    );
    expect(() => withModelChoice(spec, { modelId: 'not a model' })).toThrow(/got "not a model"/);
  });

  it('reads CDK context: the model as a string, fallbacks comma-separated or as a list', () => {
    const context: Record<string, unknown> = {
      'awf:modelId:routing': ` ${SONNET_45} `,
      'awf:fallbackModels:routing': `${HAIKU_45}, amazon.nova-pro-v1:0`,
      'awf:fallbackModels:other': ['amazon.nova-lite-v1:0'],
    };
    expect(modelChoiceFromContext('routing', (key) => context[key])).toEqual({
      modelId: SONNET_45,
      fallbackModels: [HAIKU_45, 'amazon.nova-pro-v1:0'],
    });
    expect(modelChoiceFromContext('other', (key) => context[key])).toEqual({
      fallbackModels: ['amazon.nova-lite-v1:0'],
    });
    expect(() => modelChoiceFromContext('routing', () => 42)).toThrow(ConfigurationError);
  });

  it('applies CDK context at synth time, a prop winning over it, and fails a bad choice naming the construct', () => {
    const app = new App({
      context: { 'awf:modelId:routing': SONNET_45, 'awf:fallbackModels:routing': HAIKU_45 },
    });
    const workflow = new Construct(new Stack(app, 'Workflows'), 'Routing');
    const routing = { ...spec, id: 'routing' };

    expect(deploymentSpec(workflow, routing).agent).toMatchObject({
      modelId: SONNET_45,
      fallbackModels: [HAIKU_45],
    });
    expect(deploymentSpec(workflow, routing, { fallbackModels: [] }).agent.fallbackModels).toEqual([]);
    expect(() => deploymentSpec(workflow, routing, { modelId: HAIKU_45 })).toThrow(
      expect.objectContaining({
        name: 'InfrastructurePropsError',
        constructPath: 'Workflows/Routing',
        message: expect.stringContaining(`got "${HAIKU_45}" again`),
      }),
    );
  });

  it('is applied by the Plan Lambda from its environment, as the stack set it', () => {
    const pack = { spec, prompt: 'p', policies: '' };
    const env = { [ENV.modelId]: SONNET_45, [ENV.fallbackModels]: JSON.stringify([HAIKU_45]) };

    expect(deployedPack(pack, env).spec.agent).toMatchObject({
      modelId: SONNET_45,
      fallbackModels: [HAIKU_45],
    });
    expect(deployedPack(pack, {})).toBe(pack);
    expect(() => deployedPack(pack, { [ENV.fallbackModels]: '"x"' })).toThrow(
      `${ENV.fallbackModels} must be a JSON array of model ids, got "x"`,
    );
  });
});

describe('grantModelInvoke with fallbacks', () => {
  it('grants bedrock:InvokeModel on the model and every fallback, in one statement, without wildcards', () => {
    const stack = new Stack(new App(), 'Grants', { env: { account: '123456789012', region: 'us-east-1' } });
    const role = new iam.Role(stack, 'PlanRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });

    grantModelInvoke(role, [HAIKU_45, 'amazon.nova-pro-v1:0'], {
      construct: stack,
      partition: 'aws',
      region: 'us-east-1',
      account: '123456789012',
    });

    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const statements = (
      policy as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: string[] }[] } } }
    ).Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe('bedrock:InvokeModel');
    expect(statements[0]?.Resource).toEqual(
      expect.arrayContaining([
        `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${HAIKU_45}`,
        'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
        'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0',
      ]),
    );
    expect(statements[0]?.Resource.some((arn) => arn.includes('*'))).toBe(false);
  });
});
