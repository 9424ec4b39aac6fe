/**
 * Reads a CDK cloud assembly (`cdk.out/`): the manifest, each stack's template
 * and environment, nested stage assemblies, and the asset manifests that
 * locate Lambda bundles. {@link templateFromStacks} builds the same reader
 * from templates already in memory (a test's `Template.toJSON()`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import * as z from 'zod';
import { LocalTemplate } from './local-template.js';
import {
  DEFAULT_LOCAL_ACCOUNT,
  DEFAULT_LOCAL_REGION,
  parseWith,
  partitionOf,
  type StackTemplate,
  TemplateError,
  templateSchema,
} from './stack.js';

const manifestSchema = z.object({
  artifacts: z
    .record(
      z.string(),
      z.object({
        type: z.string(),
        environment: z.string().optional(),
        displayName: z.string().optional(),
        properties: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .default({}),
});

const stackPropertiesSchema = z.object({
  templateFile: z.string().min(1),
  stackName: z.string().min(1).optional(),
  parameters: z.record(z.string(), z.string()).optional(),
});

const assetManifestSchema = z.object({
  files: z
    .record(
      z.string(),
      z.object({
        source: z.object({ path: z.string().optional(), packaging: z.string().optional() }),
      }),
    )
    .default({}),
});

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new TemplateError(`${what} not found at ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new TemplateError(`${what} at ${path} is not valid JSON`, { cause });
  }
}

function parseEnvironment(environment: string | undefined): { account: string; region: string } {
  // `aws://<account>/<region>`; environment-agnostic stacks say unknown-account / unknown-region.
  const match = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(environment ?? '');
  const account = match?.[1];
  const region = match?.[2];
  return {
    account: account && /^\d{12}$/.test(account) ? account : DEFAULT_LOCAL_ACCOUNT,
    region: region && region !== 'unknown-region' ? region : DEFAULT_LOCAL_REGION,
  };
}

function readAssembly(dir: string, stacks: StackTemplate[], assets: Map<string, string>): void {
  const manifest = parseWith(
    manifestSchema,
    readJson(join(dir, 'manifest.json'), 'cloud assembly manifest'),
    join(dir, 'manifest.json'),
  );
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const properties = parseWith(
        stackPropertiesSchema,
        artifact.properties ?? {},
        `stack artifact "${artifactId}"`,
      );
      const templateFile = join(dir, properties.templateFile);
      const template = parseWith(
        templateSchema,
        readJson(templateFile, `template of stack "${artifactId}"`),
        templateFile,
      );
      const { account, region } = parseEnvironment(artifact.environment);
      stacks.push({
        stackName: properties.stackName ?? artifactId,
        account,
        region,
        partition: partitionOf(region),
        templateFile,
        assemblyDir: dir,
        template,
        parameterValues: properties.parameters ?? {},
      });
    } else if (artifact.type === 'cdk:asset-manifest') {
      const file = artifact.properties?.file;
      if (typeof file !== 'string') continue;
      const assetManifest = parseWith(
        assetManifestSchema,
        readJson(join(dir, file), 'asset manifest'),
        join(dir, file),
      );
      for (const [hash, entry] of Object.entries(assetManifest.files)) {
        if (entry.source.path !== undefined) assets.set(hash, resolvePath(dir, entry.source.path));
      }
    } else if (artifact.type === 'cdk:cloud-assembly') {
      // A Stage synthesizes into a nested assembly in a sub-directory.
      const directoryName = artifact.properties?.directoryName;
      if (typeof directoryName === 'string') readAssembly(join(dir, directoryName), stacks, assets);
    }
  }
}

/**
 * Reads every stack of the cloud assembly in `cdkOutDir` (nested stage
 * assemblies included) and the asset manifests that locate Lambda bundles.
 *
 * @throws TemplateError when the manifest or a template is missing or malformed.
 * @example
 * const template = loadCloudAssembly('cdk.out');
 * for (const table of template.resourcesOfType('AWS::DynamoDB::Table')) {
 *   console.log(template.physicalName(table.logicalId, table.stackName));
 * }
 */
export function loadCloudAssembly(cdkOutDir: string): LocalTemplate {
  const dir = resolvePath(cdkOutDir);
  const stacks: StackTemplate[] = [];
  const assets = new Map<string, string>();
  readAssembly(dir, stacks, assets);
  return withUniqueNames(dir, stacks, assets);
}

/** The reader over `stacks`. @throws TemplateError when two stacks share a name. */
function withUniqueNames(
  dir: string,
  stacks: readonly StackTemplate[],
  assets: ReadonlyMap<string, string>,
): LocalTemplate {
  const names = stacks.map((s) => s.stackName);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new TemplateError(
      `stack name "${duplicate}" appears twice in the cloud assembly${dir === '' ? '' : ` at ${dir}`}`,
    );
  }
  return new LocalTemplate(dir, stacks, assets);
}

/** A stack's template held in memory, and the environment it is deployed to. */
export interface StackInMemory {
  readonly stackName: string;
  /** The template's JSON (`Template#toJSON()`, or a template file's content). */
  readonly template: unknown;
  readonly account: string;
  readonly region: string;
  /** Values of the template's parameters. @default - none: each parameter's Default */
  readonly parameterValues?: Readonly<Record<string, string>>;
}

/**
 * The reader over templates already in memory, as {@link loadCloudAssembly}
 * would build it from a cloud assembly holding them, without asset manifests
 * (asset paths are the templates' `aws:asset:path` metadata as written).
 *
 * @throws TemplateError when a template is malformed or two stacks share a name.
 * @example
 * const template = templateFromStacks([{ stackName: 'Data', template: data.toJSON(), account, region }]);
 * template.resolve({ 'Fn::GetAtt': ['Key', 'Arn'] }, 'Data');
 */
export function templateFromStacks(stacks: readonly StackInMemory[]): LocalTemplate {
  return withUniqueNames(
    '',
    stacks.map((stack) => ({
      stackName: stack.stackName,
      account: stack.account,
      region: stack.region,
      partition: partitionOf(stack.region),
      templateFile: `${stack.stackName}.template.json`,
      assemblyDir: '',
      template: parseWith(templateSchema, stack.template, `template of stack "${stack.stackName}"`),
      parameterValues: stack.parameterValues ?? {},
    })),
    new Map(),
  );
}
