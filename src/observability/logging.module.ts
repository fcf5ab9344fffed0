import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { redactPaths, redactUrl } from './log-redaction';

/** Structured JSON logs on stdout, one line per event; secrets and tokens redacted. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const options = {
          level: config.logLevel,
          redact: { paths: redactPaths(), censor: '[Redacted]' },
          autoLogging: { ignore: (req: { url?: string }) => req.url === '/health' || req.url === '/metrics' },
          serializers: {
            req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url), remoteAddress: req.remoteAddress }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
        };
        // Tests capture the lines through config.logDestination; production writes to stdout.
        return { pinoHttp: config.logDestination ? ([options, config.logDestination] as [typeof options, NodeJS.WritableStream]) : options };
      },
    }),
  ],
})
export class LoggingModule {}
