import {
  dynamoDbClient,
  dynamoDbDocumentClient,
  eventBridgeClient,
  sfnClient,
} from '../../../adapters/aws-clients.js';

const savedEnv = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'us-east-1' });
});

afterAll(() => {
  process.env = savedEnv;
});

describe("the step Lambdas' SDK clients", () => {
  const clients = {
    'DynamoDB document client': dynamoDbDocumentClient,
    'DynamoDB client': dynamoDbClient,
    'EventBridge client': eventBridgeClient,
    'Step Functions client': sfnClient,
  };

  it.each(Object.entries(clients))(
    '%s leaves out the logger middleware (it has no logger) and keeps the rest of the stack',
    (_name, client) => {
      const stack = client().middlewareStack.identify().join(' ');
      expect(stack).not.toContain('loggerMiddleware');
      expect(stack).toContain('retryMiddleware');
      expect(stack).toMatch(/awsAuthMiddleware|httpSigningMiddleware/);
    },
  );

  it("all but the document client (which refuses the setting) resolve each command's middleware once", () => {
    expect(dynamoDbClient().config.cacheMiddleware).toBe(true);
    expect(eventBridgeClient().config.cacheMiddleware).toBe(true);
    expect(sfnClient().config.cacheMiddleware).toBe(true);
  });

  it('each is created once per execution environment', () => {
    expect(dynamoDbClient()).toBe(dynamoDbClient());
    expect(dynamoDbDocumentClient()).toBe(dynamoDbDocumentClient());
  });
});
