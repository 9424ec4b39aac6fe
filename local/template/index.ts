/**
 * The template reader: the synthesized stacks of a CDK cloud assembly, with
 * CloudFormation's intrinsic functions evaluated to local values and the
 * physical names and ARNs CloudFormation would invent made deterministic.
 *
 * - `assembly.ts` reads `cdk.out/` (or templates in memory);
 * - `local-template.ts` finds resources and resolves their values;
 * - `intrinsics.ts` evaluates `Ref`, `Fn::*` and pseudo parameters;
 * - `physical-names.ts` names resources and builds their ARNs;
 * - `stack.ts` holds the shapes and the error.
 */
export { loadCloudAssembly, type StackInMemory, templateFromStacks } from './assembly.js';
export { LocalTemplate } from './local-template.js';
export {
  type CfnTemplate,
  DEFAULT_LOCAL_ACCOUNT,
  DEFAULT_LOCAL_REGION,
  type StackTemplate,
  TemplateError,
  type TemplateResource,
} from './stack.js';
