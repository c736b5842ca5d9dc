/*
 * TEST DOUBLE of the Pulumi CLI: writes an executable named `pulumi` into a
 * temporary folder. Each run appends {args, stdin, cwd} as a JSON line to a
 * log, prints FAKE_PULUMI_OUTPUTS for `pulumi stack output --json`, and exits
 * 1 with a message on stderr when its first argument equals FAKE_PULUMI_FAIL.
 * It does nothing else: no project is created, no cloud is called.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PulumiCli } from '../pulumi/PulumiCli';

export interface FakePulumiCall {
  args: string[];
  stdin: string;
  cwd: string;
}

export async function createFakePulumiCli(options?: {
  outputs?: Record<string, unknown>;
  failOn?: string;
}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-pulumi-'));
  const log = path.join(dir, 'calls.jsonl');
  const script = `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
let stdin = '';
try { stdin = fs.readFileSync(0, 'utf8'); } catch {}
fs.appendFileSync(${JSON.stringify(
    log,
  )}, JSON.stringify({ args, stdin, cwd: process.cwd() }) + '\\n');
if (process.env.FAKE_PULUMI_FAIL && args[0] === process.env.FAKE_PULUMI_FAIL) {
  process.stderr.write('error: simulated failure of pulumi ' + args[0] + '\\n');
  process.exit(1);
}
if (args[0] === 'stack' && args[1] === 'output') {
  process.stdout.write(process.env.FAKE_PULUMI_OUTPUTS || '{}');
} else {
  process.stdout.write('fake pulumi ' + args[0] + ' done\\n');
}
`;
  await fs.writeFile(path.join(dir, 'pulumi'), script, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = {
    PATH: `${dir}${path.delimiter}${process.env.PATH}`,
    FAKE_PULUMI_OUTPUTS: JSON.stringify(options?.outputs ?? {}),
  };
  if (options?.failOn) env.FAKE_PULUMI_FAIL = options.failOn;
  return {
    cli: new PulumiCli({ command: 'pulumi', env }),
    async calls(): Promise<FakePulumiCall[]> {
      try {
        const text = await fs.readFile(log, 'utf8');
        return text
          .split('\n')
          .filter(Boolean)
          .map(line => JSON.parse(line));
      } catch {
        return [];
      }
    },
    async cleanup() {
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
