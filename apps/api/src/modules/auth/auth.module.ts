import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { ChatTokensController } from './chat-tokens.controller';
import { CredentialsService } from './credentials.service';
import { ApiKeyEntity } from './entities/api-key.entity';
import { OperatorEntity } from './entities/operator.entity';
import { OperatorsController } from './operators.controller';
import { OperatorsService } from './operators.service';
import { PasswordHasher } from './password-hasher';
import { SessionTokens } from './session-tokens.service';

/** Operators, API keys and end-user chat tokens; its guard protects every route. */
@Module({
  imports: [TypeOrmModule.forFeature([OperatorEntity, ApiKeyEntity]), AuditModule],
  controllers: [AuthController, OperatorsController, ApiKeysController, ChatTokensController],
  providers: [
    PasswordHasher,
    SessionTokens,
    OperatorsService,
    ApiKeysService,
    CredentialsService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [OperatorsService, ApiKeysService, SessionTokens],
})
export class AuthModule {}
