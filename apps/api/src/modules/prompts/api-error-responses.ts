import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';

/** Documents each error a route can answer, all in the shape of ErrorResponseDto. */
export function ApiErrorResponses(errors: Record<number, string>): MethodDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, type: ErrorResponseDto }),
    ),
  );
}

export const MALFORMED_JSON = 'malformed_json: the body is not valid JSON';
export const VALIDATION_FAILED =
  'validation_failed: details.fields lists each bad, missing or unknown field and why';
export const TEMPLATE_NOT_FOUND = 'template_not_found: no template with this id';
