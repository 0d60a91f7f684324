import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from '../auth/principal';

export interface RequestContext {
  requestId: string;
  /** Set by the auth guard once the caller is known. */
  principal?: Principal;
}

/** Carries the request id through async work so every log line can name it. */
export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/** Who made the current request, for modules (audit) that run outside the controller. */
export function currentPrincipal(): Principal | undefined {
  return requestContext.getStore()?.principal;
}
