import { client, type ErrorResponseDto } from '@promptdev/api-client';
import { QueryClient } from '@tanstack/react-query';

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener = () => undefined;

/** The session layer decides what a 401 means (back to the login page). */
export function setUnauthorizedListener(listener: UnauthorizedListener): void {
  onUnauthorized = listener;
}

/** For 401s that do not pass through the generated client (the SSE helper). */
export function notifyUnauthorized(): void {
  onUnauthorized();
}

// Same origin: the session is an httpOnly cookie the browser sends by itself.
client.setConfig({ baseUrl: '', credentials: 'include' });
client.interceptors.response.use((response) => {
  if (response.status === 401) onUnauthorized();
  return response;
});

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => failures < 2 && statusOf(error) >= 500,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});

export function isApiError(error: unknown): error is ErrorResponseDto {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as ErrorResponseDto).code === 'string' &&
    typeof (error as ErrorResponseDto).message === 'string'
  );
}

export function statusOf(error: unknown): number {
  return isApiError(error) ? error.statusCode : 0;
}

/** A sentence for the operator; the request id helps when reporting a server error. */
export function errorMessage(error: unknown): string {
  if (isApiError(error)) {
    // Field reasons the message does not already say (it often quotes them all).
    const detail = Object.entries(fieldErrors(error))
      .filter(([, why]) => !error.message.includes(why))
      .map(([field, why]) => `${field}: ${why}`)
      .join('; ');
    return detail ? `${error.message} (${detail})` : error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

/** `details.fields` of a 422 as field → reason. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!isApiError(error)) return {};
  const fields = error.details?.fields;
  const out: Record<string, string> = {};
  if (Array.isArray(fields)) {
    for (const entry of fields as unknown[]) {
      if (typeof entry === 'object' && entry !== null) {
        const { field, errors } = entry as { field?: unknown; errors?: unknown };
        if (typeof field === 'string')
          out[field.replace(/\[(\d+)\]/g, '.$1')] = Array.isArray(errors)
            ? errors.join(', ')
            : 'invalid';
      }
    }
  } else if (typeof fields === 'object' && fields !== null) {
    for (const [field, why] of Object.entries(fields as Record<string, unknown>)) {
      out[field] = Array.isArray(why) ? why.join(', ') : String(why);
    }
  }
  return out;
}
