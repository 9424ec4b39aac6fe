/**
 * cdk-nag over an app: the AWS Solutions and Serverless rule packs, as this
 * repository's app runs them on every synth. Kept apart from the constructs,
 * so an app that installs awf does not need cdk-nag; the findings awf accepts
 * are acknowledged on the constructs that cause them either way.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * Runs the AWS Solutions and Serverless rule packs over the app at synth: an
 * unacknowledged error fails `cdk synth`.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
