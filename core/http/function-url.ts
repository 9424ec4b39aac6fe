/**
 * Lambda function URL requests and responses (payload format 2.0), as the
 * functions behind awf's `AWS_IAM` URLs read and answer them: the approvals
 * endpoint and the operations endpoint.
 *
 * Only what those functions read is parsed: the path, the method, the body
 * and the caller's IAM identity, which Lambda fills in only after it checked
 * the request's SigV4 signature. A direct invocation that is not such a
 * request fails to parse, so it cannot pass for an authenticated one.
 */
import * as z from 'zod';

/** The parts of a function URL request the endpoints read. */
export const functionUrlRequestSchema = z.object({
  rawPath: z.string(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({
    http: z.object({ method: z.string() }),
    authorizer: z
      .object({
        iam: z
          .object({
            accountId: z.string().nullish(),
            userArn: z.string().nullish(),
            userId: z.string().nullish(),
            accessKey: z.string().nullish(),
            callerId: z.string().nullish(),
          })
          .optional(),
      })
      .optional(),
  }),
});

/** A parsed function URL request. */
export type FunctionUrlRequest = z.infer<typeof functionUrlRequestSchema>;

/** A function URL response (payload format 2.0), as an endpoint's function returns it. */
export interface FunctionUrlResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The request's body as text (function URLs base64-encode bodies they do not take for text). */
export function requestBodyText(request: FunctionUrlRequest): string {
  const raw = request.body ?? '';
  return request.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

/** The request's method, upper case. */
export function requestMethod(request: FunctionUrlRequest): string {
  return request.requestContext.http.method.toUpperCase();
}

/** A JSON response, with the header saying what the request did. */
export function jsonResponse(
  statusCode: number,
  outcomeHeader: string,
  outcome: string,
  body: unknown,
): FunctionUrlResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', [outcomeHeader]: outcome },
    body: JSON.stringify(body),
  };
}

/** A request body parsed with a schema, or the message naming what was wrong with it. */
export type ParsedBody<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/**
 * Parses the request's JSON body with `schema`.
 * @param what names the body in messages (`the switch change`), and `expected` its shape (`{ "mode", "reason" }`).
 */
export function parseJsonBody<T>(
  request: FunctionUrlRequest,
  schema: z.ZodType<T>,
  what: string,
  expected: string,
): ParsedBody<T> {
  let body: unknown;
  try {
    body = JSON.parse(requestBodyText(request) || '{}');
  } catch {
    return { ok: false, message: `the body is not JSON: expected ${expected}` };
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
  );
  return { ok: false, message: `${what} is malformed: ${problems.join('; ')}` };
}
