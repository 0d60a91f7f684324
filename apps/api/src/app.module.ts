import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig } from './core/config/app-config';
import { ConfigModule } from './core/config/config.module';
import { DatabaseModule } from './core/database/database.module';
import { DatabaseTarget } from './core/database/database-target';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { ChatModule } from './modules/chat/chat.module';
import { ContextModule } from './modules/context/context.module';
import { EventsModule } from './modules/events/events.module';
import { GuardrailsModule } from './modules/guardrails/guardrails.module';
import { HealthModule } from './modules/health/health.module';
import { InterventionsModule } from './modules/interventions/interventions.module';
import { MemoryModule } from './modules/memory/memory.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { PromptsModule } from './modules/prompts/prompts.module';
import { RateLimitModule } from './modules/rate-limit/rate-limit.module';
import { RetentionModule } from './modules/retention/retention.module';
import { TelemetryModule } from './modules/telemetry/telemetry.module';

export interface AppModuleOptions {
  config: AppConfig;
  database: DatabaseTarget;
}

@Module({})
export class AppModule {
  static forRoot({ config, database }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(database),
        ScheduleModule.forRoot(),
        RateLimitModule,
        AuthModule,
        AuditModule,
        MetricsModule,
        EventsModule,
        HealthModule,
        MemoryModule,
        InterventionsModule,
        ContextModule,
        PromptsModule,
        GuardrailsModule,
        TelemetryModule,
        ChatModule,
        RetentionModule,
      ],
    };
  }
}
