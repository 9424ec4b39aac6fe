/**
 * What the template reader holds of a synthesized app: its stacks (template,
 * environment, parameter values) and their resources, as written (unresolved),
 * and the error every part of the reader throws.
 */
import * as z from 'zod';
import { AwfError } from '../../core/errors.js';

/** Account used for stacks synthesized without an explicit environment. */
export const DEFAULT_LOCAL_ACCOUNT = '123456789012';
/** Region used for stacks synthesized without an explicit environment. */
export const DEFAULT_LOCAL_REGION = 'us-east-1';

/** The cloud assembly or a template cannot be read, or a value in it cannot be resolved locally. */
export class TemplateError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

const resourceSchema = z.object({
  Type: z.string().min(1),
  Properties: z.record(z.string(), z.unknown()).optional(),
  Metadata: z.record(z.string(), z.unknown()).optional(),
  Condition: z.string().optional(),
});

/** The parts of a CloudFormation template the reader uses; everything else is ignored. */
export const templateSchema = z.object({
  Resources: z.record(z.string(), resourceSchema).default({}),
  Outputs: z
    .record(
      z.string(),
      z.object({
        Value: z.unknown(),
        Export: z.object({ Name: z.unknown() }).optional(),
        Condition: z.string().optional(),
      }),
    )
    .default({}),
  Parameters: z
    .record(z.string(), z.object({ Type: z.string(), Default: z.unknown().optional() }))
    .default({}),
  Conditions: z.record(z.string(), z.unknown()).default({}),
  Mappings: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))).default({}),
});

/** A CloudFormation template as the reader holds it. */
export type CfnTemplate = z.output<typeof templateSchema>;

/** One stack of the cloud assembly. */
export interface StackTemplate {
  /** The CloudFormation stack name (the artifact's `stackName`, or its id). */
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** Absolute path of the template file. */
  readonly templateFile: string;
  /** The assembly directory the template's relative asset paths start from. */
  readonly assemblyDir: string;
  readonly template: CfnTemplate;
  /** Parameter values the assembly passes to the stack. */
  readonly parameterValues: Readonly<Record<string, string>>;
}

/** One resource of one stack, as written in the template (unresolved). */
export interface TemplateResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The AWS partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Parses `value` with `schema`.
 * @param what names the file or artifact in the error.
 * @throws TemplateError listing every problem with its path.
 */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
  );
  throw new TemplateError(`${what} is malformed: ${problems.join('; ')}`);
}
