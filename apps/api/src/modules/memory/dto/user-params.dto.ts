import { ApiProperty } from '@nestjs/swagger';
import { IsMemoryKey, IsUserId, MEMORY_KEY_PATTERN, USER_ID_PATTERN } from '../identifiers';

export class UserIdParamsDto {
  @ApiProperty({
    description: '1 to 128 characters of A-Z a-z 0-9 . _ : @ -',
    pattern: USER_ID_PATTERN.source,
    example: 'user-42',
  })
  @IsUserId()
  user_id!: string;
}

export class MemoryKeyParamsDto extends UserIdParamsDto {
  @ApiProperty({
    description:
      '1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter, digit or _ ' +
      '(not __proto__, constructor or prototype). Keys starting with __ are kept but hidden ' +
      "from the prompt's user_context.",
    pattern: MEMORY_KEY_PATTERN.source,
    example: 'favorite_color',
  })
  @IsMemoryKey()
  key!: string;
}
