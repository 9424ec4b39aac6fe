/**
 * The operations endpoint: a function URL request in, an HTTP response out
 * (`core/operations/endpoint-protocol.ts` has the routes).
 *
 * The operator is who AWS says signed the request, mapped to a person by the
 * `callers` port (sessions of trusted operator roles only); nothing in the
 * request names them. A request that did not come through an `AWS_IAM`
 * function URL carries no identity and is refused, and so is every caller
 * the port does not trust, before anything is read or written.
 */
import { type CallerIdentities, CallerNotTrustedError } from '../../approval/caller.js';
import {
  type FunctionUrlResponse,
  functionUrlRequestSchema,
  jsonResponse,
  parseJsonBody,
  requestMethod,
} from '../../http/function-url.js';
import {
  OPERATIONS_ERROR_STATUS,
  OPERATIONS_OUTCOME_HEADER,
  type OperationsErrorCode,
  SWITCH_PATH,
  switchBodySchema,
} from '../../operations/endpoint-protocol.js';
import { ReleaseError, type WorkflowSwitchOperations } from './operations.js';

function failure(code: OperationsErrorCode, message: string): FunctionUrlResponse {
  return jsonResponse(OPERATIONS_ERROR_STATUS[code], OPERATIONS_OUTCOME_HEADER, 'FAILED', {
    error: { code, message },
  });
}

/** Makes the operations endpoint's handler over a workflow's switch operations. */
export function operationsEndpoint(
  operations: WorkflowSwitchOperations,
  callers: CallerIdentities,
): (event: unknown) => Promise<FunctionUrlResponse> {
  return async (event) => {
    const parsed = functionUrlRequestSchema.safeParse(event);
    if (!parsed.success) {
      return failure(
        'CallerNotTrusted',
        'the request is not a function URL request with an IAM identity: the switch is operated through the operations endpoint, signed with SigV4',
      );
    }
    const request = parsed.data;
    const method = requestMethod(request);
    if (request.rawPath !== SWITCH_PATH && request.rawPath !== `${SWITCH_PATH}/`) {
      return failure(
        'RouteNotFound',
        `no route ${method} ${request.rawPath}: the endpoint serves GET ${SWITCH_PATH} and PUT ${SWITCH_PATH}`,
      );
    }
    if (method !== 'GET' && method !== 'PUT') {
      return failure('RouteNotFound', `${SWITCH_PATH} answers GET and PUT, got ${method}`);
    }
    let operator: ReturnType<CallerIdentities['identify']>;
    try {
      operator = callers.identify(request.requestContext.authorizer?.iam);
    } catch (error) {
      if (error instanceof CallerNotTrustedError) return failure('CallerNotTrusted', error.message);
      throw error;
    }
    if (method === 'GET') {
      return jsonResponse(200, OPERATIONS_OUTCOME_HEADER, 'READ', await operations.status());
    }
    const change = parseJsonBody(request, switchBodySchema, 'the switch change', '{ "mode", "reason" }');
    if (!change.ok) return failure('MalformedRequest', change.message);
    let result: Awaited<ReturnType<WorkflowSwitchOperations['set']>>;
    try {
      result = await operations.set(change.value, operator);
    } catch (error) {
      if (error instanceof ReleaseError) return failure('NotReleased', error.message);
      throw error;
    }
    return jsonResponse(
      200,
      OPERATIONS_OUTCOME_HEADER,
      change.value.mode === 'run' ? 'RESUMED' : 'SWITCHED',
      {
        result,
      },
    );
  };
}
