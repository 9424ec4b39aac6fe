/**
 * SLOW (about a minute, up to a few on a busy machine): awf as a cloud team
 * uses it, from its published package.
 *
 * Builds `dist/` (into a temporary copy of the package, not the repository),
 * packs it with `npm pack`, installs the tarball offline into a small CDK app
 * in a temporary folder, and synthesizes there a `GovernedWorkflow` from a
 * copy of `workflows/refund-triage`, bundling every step Lambda. Nothing is
 * written into the repository: the build, the tarball, the app, its
 * `node_modules` and its cloud assembly all live in the temporary folder.
 *
 * The install needs no network: the app gets a lock file made from this
 * repository's (the same versions `npm ci` installed and cached), so
 * `npm install --offline` takes every package from npm's cache. Without a lock
 * file npm would ask the registry for metadata `npm ci` never fetched.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { AWF_PACKAGE_ROOT } from '../../lib/project-paths.js';
import { bundleLoadFailures } from '../support/bundle-loader.js';

/** Build, pack, install and synth: a minute here, more on a busy machine. */
const SETUP_TIMEOUT_MS = 600_000;

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly files: readonly string[];
  readonly bin?: Record<string, string>;
  readonly engines?: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

interface LockEntry {
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly peer?: boolean;
  readonly optional?: boolean;
  readonly [field: string]: unknown;
}

interface Lambda {
  readonly step: string;
  readonly assetDir: string;
  readonly environment: Record<string, string>;
}

const repoPackage = JSON.parse(readFileSync(join(AWF_PACKAGE_ROOT, 'package.json'), 'utf8')) as PackageJson;
const repoLock = JSON.parse(readFileSync(join(AWF_PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** Children run without jest's flags and without the npm settings of an enclosing `npm test`. */
function childEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return {
    ...env,
    NODE_OPTIONS: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function run(command: string, args: readonly string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    env: childEnv(),
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: 300_000,
  });
}

/**
 * The app's lock file: awf from the tarball, and every other package at the
 * version this repository's lock file pins (npm drops what nothing needs).
 */
function appLock(
  app: { name: string; version: string; dependencies: Record<string, string> },
  tarball: string,
): unknown {
  const packages: Record<string, unknown> = {
    '': { name: app.name, version: app.version, dependencies: app.dependencies },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path === '') continue;
    // What is a dev dependency here is a dependency of the app (aws-cdk-lib, tsx).
    const { dev: _dev, devOptional, peer: _peer, ...rest } = entry;
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  packages['node_modules/awf'] = {
    version: repoPackage.version,
    resolved: `file:${tarball}`,
    license: repoPackage.license,
    dependencies: repoPackage.dependencies,
    peerDependencies: repoPackage.peerDependencies,
    bin: repoPackage.bin,
    engines: repoPackage.engines,
  };
  return { name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages };
}

/** A template value as text: strings as written, `Fn::Join`s joined, any other reference `placeholder`. */
function loosely(value: unknown, placeholder: string, roles: ReadonlySet<string> = new Set()): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (Array.isArray(join)) return join[1].map((part) => loosely(part, placeholder, roles)).join(join[0]);
  // A role's ARN is checked for its shape (the approver roles the approvals endpoint trusts).
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | null)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && roles.has(getAtt[0])) {
    return `arn:aws:iam::123456789012:role/${getAtt[0]}`;
  }
  return placeholder;
}

const APP_SOURCE = `
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { AwfDataStack, GovernedWorkflow, loadWorkflowPack } from 'awf';

const env = { account: '123456789012', region: 'us-east-1' };
const app = new App({ outdir: 'cdk.out' });
const data = new AwfDataStack(app, 'AwfData', { env });
const stack = new Stack(app, 'Refunds', { env });
const packDir = fileURLToPath(new URL('./workflows/refund-triage', import.meta.url));
new GovernedWorkflow(stack, 'RefundTriage', {
  pack: await loadWorkflowPack(packDir),
  packDir,
  eventBus: data.eventBus,
  runsTable: data.runsTable,
  lineageTable: data.lineageTable,
  key: data.key,
  historyKey: data.historyKey,
  recordKeys: data.recordKeys,
  tokenKey: data.tokenKey,
});
app.synth();
`;

let work: string;
let appDir: string;
let packed: string[];
let lambdas: Lambda[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'awf-package-'));

  // The package as `npm pack` makes it: what "files" names, with dist/ built by tsconfig.build.json.
  const stage = join(work, 'awf');
  mkdirSync(stage);
  const tsc = join(AWF_PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  run(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')],
    AWF_PACKAGE_ROOT,
  );
  for (const file of ['package.json', 'README.md', ...repoPackage.files.filter((f) => f !== 'dist')]) {
    cpSync(join(AWF_PACKAGE_ROOT, file), join(stage, file), { recursive: true });
  }
  const [pack] = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], stage),
  ) as { filename: string; files: { path: string }[] }[];
  if (!pack) throw new Error('npm pack made no tarball');
  packed = pack.files.map((file) => file.path);

  // A cloud team's CDK app, with its own copy of the reference pack importing `awf/workflow`.
  appDir = join(work, 'app');
  mkdirSync(join(appDir, 'workflows'), { recursive: true });
  const dev = repoPackage.devDependencies;
  const app = {
    name: 'refunds-app',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: {
      awf: `file:../${pack.filename}`,
      'aws-cdk-lib': dev['aws-cdk-lib'] ?? '',
      constructs: dev.constructs ?? '',
      tsx: dev.tsx ?? '',
    },
  };
  writeFileSync(join(appDir, 'package.json'), JSON.stringify(app, null, 2));
  writeFileSync(
    join(appDir, 'package-lock.json'),
    JSON.stringify(appLock(app, `../${pack.filename}`), null, 2),
  );
  const packDir = join(appDir, 'workflows', 'refund-triage');
  cpSync(join(AWF_PACKAGE_ROOT, 'workflows', 'refund-triage'), packDir, { recursive: true });
  const spec = join(packDir, 'workflow.ts');
  writeFileSync(
    spec,
    readFileSync(spec, 'utf8').replace("from '../../core/workflow/spec.js'", "from 'awf/workflow'"),
  );
  writeFileSync(join(appDir, 'app.ts'), APP_SOURCE);

  run('npm', ['install', '--offline', '--no-audit', '--no-fund'], appDir);
  run(process.execPath, ['--import', 'tsx', 'app.ts'], appDir);

  const template = JSON.parse(readFileSync(join(appDir, 'cdk.out', 'Refunds.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const roles = new Set(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
      .map(([logicalId]) => logicalId),
  );
  lambdas = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map(({ Properties }) => {
      const variables = (Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const code = Properties.Code as { S3Key: string };
      return {
        step: String(variables.POWERTOOLS_SERVICE_NAME).replace(/^awf-refund-triage-/, ''),
        assetDir: join(appDir, 'cdk.out', `asset.${code.S3Key.replace(/\.zip$/, '')}`),
        // References to the data stack resolve at deploy time: a placeholder stands for each, inside
        // the text a Fn::Join builds around them (a JSON map of key ARNs stays JSON).
        environment: Object.fromEntries(
          Object.entries(variables).map(([name, value]) => [name, loosely(value, `resolved-${name}`, roles)]),
        ),
      };
    });
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

it('packs compiled JavaScript with type declarations, the state machine and the launcher, and no TypeScript source', () => {
  expect(packed).toEqual(
    expect.arrayContaining([
      'package.json',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/core/workflow/spec.js',
      'dist/core/workflow/spec.d.ts',
      'dist/lambdas/step-handler.js',
      'dist/bin/awf.js',
      'bin/awf.js',
      'statemachines/governed-workflow.asl.json',
    ]),
  );
  expect(packed.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  expect(packed.filter((path) => /^(dist\/)?(test|workflows\/refund-triage)\//.test(path))).toEqual([]);
});

it('synthesizes the fourteen step Lambdas of a pack from a folder of the app, bundled', () => {
  expect(existsSync(join(appDir, 'cdk.out', 'AwfData.template.json'))).toBe(true);
  expect(lambdas.map((lambda) => lambda.step).sort()).toEqual(
    [
      'act',
      'admit',
      'complete',
      'decide-approval',
      'escalate',
      'follow-up',
      'gate',
      'ground',
      'park',
      'plan',
      'reconcile',
      'remind',
      'request-approval',
      'switch',
    ].sort(),
  );
  const withWasm = lambdas
    .filter((l) => existsSync(join(l.assetDir, 'cedar_wasm_bg.wasm')))
    .map((l) => l.step);
  expect(withWasm.sort()).toEqual(['act', 'gate']);
});

it("writes the entries into the app's own cache, importing awf's compiled modules from the installed package", () => {
  const entriesDir = join(appDir, 'node_modules', '.cache', 'awf', 'entries', 'refund-triage');
  const entry = readFileSync(join(entriesDir, 'gate.ts'), 'utf8');
  expect(entry).toContain(
    "import { createStepHandler } from '../../../../awf/dist/lambdas/step-handler.js';",
  );
  expect(entry).toContain("import { gateStep } from '../../../../awf/dist/core/steps/gate/gate.js';");
  expect(entry).toContain("import spec from '../../../../../workflows/refund-triage/workflow.js';");
  // Nothing was written into the installed package: it holds exactly what was packed.
  const installed = join(appDir, 'node_modules', 'awf');
  const files = readdirSync(installed, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(installed, join(entry.parentPath, entry.name)).split(sep).join('/'));
  expect(files.sort()).toEqual([...packed].sort());
});

it('bundles only files of the app (its pack, the installed awf and its dependencies), never the CDK', () => {
  for (const { step, assetDir } of lambdas) {
    const map = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    const outside = map.sources.filter((source) =>
      relative(appDir, resolve(assetDir, source)).startsWith('..'),
    );
    expect({ step, outside }).toEqual({ step, outside: [] });
    const cdk = map.sources.filter((source) => /node_modules\/(aws-cdk-lib|constructs)\//.test(source));
    expect({ step, cdk }).toEqual({ step, cdk: [] });
  }
});

it('loads every bundle in Node with the environment its template gives it', () => {
  expect(bundleLoadFailures(lambdas, work, 'us-east-1')).toEqual([]);
});

it('runs the awf command line from the compiled package', () => {
  const bin = join(appDir, 'node_modules', '.bin', 'awf');
  expect(run(bin, ['--help'], appDir)).toContain('Usage: awf');
});
