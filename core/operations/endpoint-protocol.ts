/**
 * The operations endpoint's HTTP protocol: the kill switch of one workflow,
 * shared by the switch function behind it (`core/steps/switch/endpoint.ts`)
 * and its clients (`awf workflows pause | resume | status`).
 *
 * - `GET /switch`: the workflow's switch (mode, since, by whom, why) and how
 *   many runs are parked.
 * - `PUT /switch` with `{ mode, reason }`: set it as the caller. There is no
 *   operator field: the operator is the caller's IAM identity, a session of a
 *   trusted operator role, named by its session name.
 *
 * Errors answer `{ error: { code, message } }`: 400 malformed, 403 identity
 * not trusted, 404 unknown route, 500 switch set but some parked runs not
 * released (setting it again retries them).
 */
import * as z from 'zod';
import { SWITCH_MODES } from '../policy/switch.js';

/** Path of the workflow's switch. */
export const SWITCH_PATH = '/switch';

const CANCELLATION_PATH = /^\/follow-ups\/([^/]+)\/cancellation$/;

/**
 * Path of a request to cancel a pending follow-up, served by the follow-up
 * function's URL (the same operators may call it): `POST` with `{ reason }`.
 */
export function cancellationPath(followUpId: string): string {
  return `/follow-ups/${encodeURIComponent(followUpId)}/cancellation`;
}

/** The follow-up id of a cancellation path, or undefined for another path. */
export function followUpIdOfCancellationPath(path: string): string | undefined {
  const id = CANCELLATION_PATH.exec(path)?.[1];
  return id === undefined ? undefined : decodeURIComponent(id);
}

/** The body of a cancellation request: why (the operator is the caller's identity). */
export const cancellationBodySchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, 'a reason is required: it is recorded and shown to the approvers')
    .max(1000, 'a reason is at most 1000 characters'),
});

/** The body of a switch change. */
export const switchBodySchema = z.strictObject({
  mode: z.enum(SWITCH_MODES),
  reason: z
    .string()
    .trim()
    .min(1, 'a reason is required: it is recorded for auditors')
    .max(1000, 'a reason is at most 1000 characters'),
});

/** A parsed switch change. */
export type SwitchBody = z.infer<typeof switchBodySchema>;

/** Codes of the endpoint's error answers. */
export type OperationsErrorCode =
  | 'MalformedRequest'
  | 'CallerNotTrusted'
  | 'RouteNotFound'
  | 'NotReleased'
  | 'FollowUpNotFound'
  | 'FollowUpNotPending';

/** The HTTP status of each error code. */
export const OPERATIONS_ERROR_STATUS: Readonly<Record<OperationsErrorCode, number>> = {
  MalformedRequest: 400,
  CallerNotTrusted: 403,
  RouteNotFound: 404,
  /** The switch was set and recorded, but some parked runs could not be released yet. */
  NotReleased: 500,
  FollowUpNotFound: 404,
  /** The follow-up ran or was cancelled already. */
  FollowUpNotPending: 409,
};

/** The response header saying what a request did (`READ`, `SWITCHED`, `FAILED`). */
export const OPERATIONS_OUTCOME_HEADER = 'x-awf-outcome';
