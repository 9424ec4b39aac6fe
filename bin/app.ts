/**
 * The CDK app: config -> workflow packs -> stacks -> cdk-nag.
 *
 * Synthesizes offline with no credentials: the environment is explicit and
 * falls back to placeholders when the CDK CLI provides none.
 */
import { App, Errors } from 'aws-cdk-lib';
import { AwfError } from '../core/errors.js';
import { validatePolicies } from '../core/policy/validate-pack.js';
import { addAwfStacks } from '../lib/awf-app.js';
import { resolveDeploymentEnv } from '../lib/deployment-env.js';
import { addNagChecks } from '../lib/nag.js';
import { discoverWorkflowPacks } from '../workflows/discover.js';

try {
  const env = resolveDeploymentEnv();
  const packs = await discoverWorkflowPacks();
  for (const { pack } of packs) {
    for (const warning of validatePolicies(pack).warnings) {
      console.warn(`awf: workflow "${pack.spec.id}": ${warning}`);
    }
  }
  const app = new App();
  addAwfStacks(app, { env, packs });
  addNagChecks(app);
  app.synth();
} catch (error) {
  // A bad pack or prop is the author's to fix: show the message and the
  // construct it concerns, not a stack trace.
  if (error instanceof AwfError) console.error(`awf: ${error.message}`);
  else if (Errors.isValidationError(error)) {
    console.error(`awf: ${error.constructPath ? `${error.constructPath}: ` : ''}${error.message}`);
  } else throw error;
  process.exitCode = 1;
}
