import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_PAGE_LIMIT } from './pagination';

// The decorators are listed bottom-up, in the order stacked decorators apply, so the checks
// run and report in the order clients have always seen (the first message leads the error).

/** `limit` of a list: a whole number from 1 to MAX_PAGE_LIMIT, `defaultLimit` when omitted. */
export function PageLimit(defaultLimit: number): PropertyDecorator {
  return applyDecorators(
    Max(MAX_PAGE_LIMIT),
    Min(1),
    IsInt(),
    Type(() => Number),
    IsOptional(),
    ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: defaultLimit }),
  );
}

/** The optional cursor of a list: the next_cursor of the previous page. */
export function PageCursor(description = 'next_cursor of the previous page'): PropertyDecorator {
  return applyDecorators(IsString(), IsOptional(), ApiPropertyOptional({ description }));
}
