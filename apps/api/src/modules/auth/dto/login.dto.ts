import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { OperatorDto } from './operator.dto';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple', format: 'password' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class LoginResponseDto {
  @ApiProperty({ description: 'Send as Authorization: Bearer …; also set as an httpOnly cookie' })
  access_token!: string;

  @ApiProperty({ description: 'Seconds until the token expires', example: 3600 })
  expires_in!: number;

  @ApiProperty({ type: OperatorDto })
  operator!: OperatorDto;
}

export class LogoutResponseDto {
  @ApiProperty({ example: 'Logged out' }) message!: string;
}
