/*
 * Shared by this package's tests: Pulumi runtime mocks that record every
 * resource registered, answer the data-source calls the program makes, and
 * give cloud resources the outputs the real providers would.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';

export interface Registered {
  type: string;
  name: string;
  /** the inputs, secrets unwrapped */
  inputs: Record<string, any>;
  /** top-level inputs that arrived as secrets */
  secretInputs: string[];
}

/** Pulumi's wire marker of a secret value. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

function unwrap(value: any): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === 'object') {
    if (value[SECRET_SIG] !== undefined) return unwrap(value.value);
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, unwrap(v)]),
    );
  }
  return value;
}

export const registered: Registered[] = [];

export async function setProgramMocks(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource: args => {
        const inputs = unwrap(args.inputs);
        registered.push({
          type: args.type,
          name: args.name,
          inputs,
          secretInputs: Object.keys(args.inputs).filter(
            k => args.inputs[k]?.[SECRET_SIG] !== undefined,
          ),
        });
        const state: Record<string, any> = { ...inputs };
        if (args.type === 'random:index/randomPassword:RandomPassword') {
          state.result = 'GENERATEDpassword0123456789abcdef';
        }
        if (args.type === 'aws:rds/instance:Instance') {
          state.address = 'prod-ledger.abc.eu-central-1.rds.amazonaws.com';
        }
        if (args.type === 'gcp:sql/databaseInstance:DatabaseInstance') {
          state.privateIpAddress = '10.20.0.5';
        }
        return { id: `${args.name}-id`, state };
      },
      call: args => {
        switch (args.token) {
          case 'gcp:organizations/getClientConfig:getClientConfig':
            return { project: 'acme-prod' };
          default:
            return args.inputs;
        }
      },
    },
    'kebap-database',
    'test',
    false,
  );
}

/** The value of an output (resolved by the mocks). */
export function valueOf<T>(
  output: pulumi.Output<T> | pulumi.Input<T>,
): Promise<T> {
  return new Promise(resolve =>
    pulumi.output(output).apply(v => resolve(v as T)),
  );
}

/** `aws:eks/cluster:Cluster` → `aws:eks:Cluster`, `random:index/x:X` → `random:X`: Pulumi YAML's short type tokens. */
export function shortType(type: string): string {
  const m = /^([^:]+):([^/:]+)\/([^:]+):(.+)$/.exec(type);
  if (!m || m[3] !== m[4].charAt(0).toLowerCase() + m[4].slice(1)) return type;
  return m[2] === 'index' ? `${m[1]}:${m[4]}` : `${m[1]}:${m[2]}:${m[4]}`;
}

/** The resource types of a Pulumi YAML program file (its `resources:` section). */
export function yamlProgramTypes(file: string): string[] {
  // test helper: the YAML programs sit next to this package in the repository
  // eslint-disable-next-line no-restricted-syntax
  const text = fs.readFileSync(path.resolve(__dirname, file), 'utf8');
  const section =
    /^resources:\n([\s\S]*?)(?=^\S|$(?![\s\S]))/m.exec(text)?.[1] ?? '';
  return [...section.matchAll(/^ {4}type: (\S+)$/gm)].map(m => m[1]).sort();
}
