import { LoggerService } from '@backstage/backend-plugin-api';

/** A logger that keeps every line, as `level: message`, for assertions on task logs. */
export function createRecordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const logger = {
    lines,
    error: (m: string) => void lines.push(`error: ${m}`),
    warn: (m: string) => void lines.push(`warn: ${m}`),
    info: (m: string) => void lines.push(`info: ${m}`),
    debug: (m: string) => void lines.push(`debug: ${m}`),
    child: () => logger,
  };
  return logger;
}
