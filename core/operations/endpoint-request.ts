/**
 * Requests to the operations endpoint as Lambda hands them to the switch
 * function after checking the SigV4 signature: what in-process harnesses
 * (tests, the pack tester) send to act as a given operator.
 */
import { functionUrlRequest } from '../approval/endpoint-request.js';
import { SWITCH_PATH, type SwitchBody } from './endpoint-protocol.js';

/** A switch change by the session `userArn`, as the endpoint receives it. */
export function switchChangeRequest(body: SwitchBody, userArn: string) {
  return functionUrlRequest({
    method: 'PUT',
    rawPath: SWITCH_PATH,
    body: JSON.stringify(body),
    iam: { accountId: userArn.split(':')[4] ?? '', userArn },
    headers: { 'content-type': 'application/json' },
  });
}

/** The switch's status as the session `userArn` asks for it. */
export function switchStatusRequest(userArn: string) {
  return functionUrlRequest({
    method: 'GET',
    rawPath: SWITCH_PATH,
    iam: { accountId: userArn.split(':')[4] ?? '', userArn },
  });
}
