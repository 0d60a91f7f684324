import { Logger } from '@nestjs/common';

// Services used outside an app (no pino logger attached) would print to the console.
Logger.overrideLogger(process.env.TEST_LOG_LEVEL ? ['log', 'error', 'warn', 'debug'] : false);
