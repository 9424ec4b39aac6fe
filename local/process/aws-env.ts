/**
 * How code reaches the local cloud: the real AWS SDK v3 clients, unmodified,
 * pointed at local endpoints through `AWS_ENDPOINT_URL_<SERVICE>` and given
 * dummy credentials.
 *
 * The Lambda host builds each function's environment from this, and tests and
 * the CLI build their clients' configuration from it, so every caller points
 * at the same endpoints the same way.
 */

/** Services the local cloud serves, by the SDK's endpoint id (lowercase, dash for space). */
export const LOCAL_ENDPOINT_SERVICES = [
  'dynamodb',
  'eventbridge',
  'sfn',
  'bedrock-runtime',
  'lambda',
  'sqs',
  'kms',
  'scheduler',
] as const;
export type LocalEndpointService = (typeof LOCAL_ENDPOINT_SERVICES)[number];

/** Base URLs of the local services that are running, such as `{ dynamodb: 'http://127.0.0.1:8000' }`. */
export type LocalEndpoints = Partial<Record<LocalEndpointService, string>>;

/**
 * Credentials the local services accept. They sign requests like real ones,
 * but no local service checks signatures. DynamoDB Local does reject access
 * key ids with anything but letters and digits, hence the plain word.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'awslocal', secretAccessKey: 'awslocal' } as const;

/**
 * The variable the SDK reads for one service's endpoint: `AWS_ENDPOINT_URL_` and
 * the service id in upper case with underscores (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).
 */
export function endpointVariableName(service: LocalEndpointService): string {
  return `AWS_ENDPOINT_URL_${service.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Environment variables that make an unmodified SDK v3 client talk to the
 * local cloud: an endpoint per given service, the region, dummy credentials,
 * and no instance-metadata lookups (there is no EC2 here; a lookup would only
 * add a timeout).
 */
export function localAwsEnvironment(endpoints: LocalEndpoints, region: string): Record<string, string> {
  const environment: Record<string, string> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    // The functions run on this machine's Node.js, which may be 20: the SDK's
    // notice about future versions needing 22 would fill the function log.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const service of LOCAL_ENDPOINT_SERVICES) {
    const endpoint = endpoints[service];
    if (endpoint !== undefined) environment[endpointVariableName(service)] = endpoint;
  }
  return environment;
}

/**
 * Configuration for an SDK client constructed in this process, such as
 * `new DynamoDBClient(localClientConfig(dynamodb.endpoint, 'us-east-1'))`.
 */
export function localClientConfig(
  endpoint: string,
  region: string,
): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return { endpoint, region, credentials: { ...LOCAL_CREDENTIALS } };
}
