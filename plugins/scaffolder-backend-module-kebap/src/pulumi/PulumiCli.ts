import { spawn } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { Config } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';

/** Options of one {@link PulumiCli.run} call. */
export interface PulumiRunOptions {
  /** Working directory of the process. */
  cwd: string;
  /** Receives each output line, with every secret replaced by `[secret]`. */
  logger: LoggerService;
  /** Written to the process' standard input, then closed. Never logged. */
  stdin?: string;
  /** Values that must never appear in a log line or an error message. */
  secrets?: string[];
  /** Do not forward standard output to the logger (machine-read output). */
  quiet?: boolean;
  signal?: AbortSignal;
}

/** The Pulumi CLI as the scaffolder actions use it. */
export class PulumiCli {
  static readonly installHint =
    'Install it on the host that runs the portal (https://www.pulumi.com/docs/iac/download-install/), ' +
    "use the portal's container image, which ships it, or set kebap.pulumi.cliPath to its location.";

  static fromConfig(
    config: Config,
    options?: { env?: NodeJS.ProcessEnv },
  ): PulumiCli {
    return new PulumiCli({
      command: config.getOptionalString('kebap.pulumi.cliPath') ?? 'pulumi',
      env: options?.env ?? process.env,
    });
  }

  private readonly command: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: { command: string; env: NodeJS.ProcessEnv }) {
    this.command = options.command;
    this.env = options.env;
  }

  /**
   * The absolute path of the CLI. Throws a NotFoundError that says how to
   * install it when it is missing, so a step fails at once and clearly.
   */
  async locate(): Promise<string> {
    const candidates = this.command.includes('/')
      ? [path.resolve(this.command)]
      : (this.env.PATH ?? '')
          .split(path.delimiter)
          .filter(Boolean)
          .map(dir => path.join(dir, this.command));
    for (const candidate of candidates) {
      try {
        await fs.access(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // try the next one
      }
    }
    throw new NotFoundError(
      `The Pulumi CLI ('${this.command}') was not found on the backend's PATH. ${PulumiCli.installHint}`,
    );
  }

  /** Renders a command line for the task log, secrets masked. */
  static describe(args: string[], secrets: string[] = []): string {
    return redact(['pulumi', ...args].join(' '), secrets);
  }

  /** Runs the CLI; resolves with its standard output, rejects on a non-zero exit. */
  async run(args: string[], options: PulumiRunOptions): Promise<string> {
    const executable = await this.locate();
    const secrets = (options.secrets ?? []).filter(s => s.length > 0);
    const child = spawn(executable, args, {
      cwd: options.cwd,
      env: { ...this.env, PULUMI_SKIP_UPDATE_CHECK: 'true' },
      signal: options.signal,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    const stderrTail: string[] = [];
    const forward = (stream: NodeJS.ReadableStream, sink?: string[]) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        sink?.push(chunk);
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) emit(line);
      });
      stream.on('end', () => {
        if (pending) emit(pending);
      });
      function emit(line: string) {
        const safe = redact(line, secrets);
        if (sink !== stdout) {
          stderrTail.push(safe);
          if (stderrTail.length > 10) stderrTail.shift();
        }
        if (safe.trim() && !(options.quiet && sink === stdout)) {
          options.logger.info(safe);
        }
      }
    };
    forward(child.stdout, stdout);
    forward(child.stderr);
    child.stdin.end(options.stdin ?? '');

    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      const detail = stderrTail.filter(l => l.trim()).join('\n');
      throw new Error(
        `${PulumiCli.describe(args, secrets)} failed with exit code ${code}${
          detail ? `: ${detail}` : ''
        }`,
      );
    }
    return stdout.join('');
  }
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('[secret]');
  }
  return out;
}
