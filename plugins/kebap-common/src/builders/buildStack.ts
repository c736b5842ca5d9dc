import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Issue } from '../validation/Issue';
import {
  STACK_NAME_MAX_LENGTH,
  validateOrderName,
} from '../validation/validateOrderName';
import {
  validateGitUrl,
  validateNamespace,
  validateRepoDir,
  validateSecretName,
  validateStackIdentifier,
} from '../validation/validators';
import { OrderMetadata } from '../ownership/orderMetadata';
import {
  ARGOCD_SYNC_WAVE,
  STACK_PREREQUISITE_WAVE,
  STACK_WAVE,
} from './syncWaves';

/** A reference to a key of a Secret in the Stack's namespace. */
export interface SecretKeyRef {
  secretName: string;
  key: string;
}

/** Where the Stack's program comes from. */
export type StackSource =
  | {
      projectRepo: string;
      branch?: string;
      commit?: string;
      repoDir?: string;
      /** Secret (same namespace) whose key `accessToken` is a Git token */
      gitAuth?: { secretName: string };
    }
  | { programRef: string };

export interface StackInput {
  name: string;
  namespace: string;
  /** org/project/stack */
  stack: string;
  source: StackSource;
  config?: Record<string, string>;
  /** environment variable → Secret key; never literal secret values */
  envSecrets?: Record<string, SecretKeyRef>;
  serviceAccountName?: string;
  /** default true: deleting the order destroys the cloud resources */
  destroyOnFinalize?: boolean;
  refresh?: boolean;
  resyncFrequencySeconds?: number;
}

/** The Pulumi Kubernetes Operator v2 `Stack` (pulumi.com/v1) fields the portal writes. */
export interface PulumiStack {
  apiVersion: 'pulumi.com/v1';
  kind: 'Stack';
  metadata: { name: string; namespace: string } & Partial<OrderMetadata>;
  spec: {
    stack: string;
    projectRepo?: string;
    branch?: string;
    commit?: string;
    repoDir?: string;
    gitAuth?: {
      accessToken: { type: 'Secret'; secret: { name: string; key: string } };
    };
    programRef?: { name: string };
    config?: Record<string, string>;
    envRefs?: Record<
      string,
      { type: 'Secret'; secret: { name: string; key: string } }
    >;
    serviceAccountName?: string;
    destroyOnFinalize: boolean;
    refresh?: boolean;
    resyncFrequencySeconds?: number;
  };
}

/** The `Program` (pulumi.com/v1): a Pulumi YAML program held in the cluster. */
export interface PulumiProgram {
  apiVersion: 'pulumi.com/v1';
  kind: 'Program';
  metadata: { name: string; namespace: string } & Partial<OrderMetadata>;
  program: PulumiYamlProgram;
}

/** The top-level keys a Program's Pulumi YAML may have (the CRD's). */
export interface PulumiYamlProgram {
  configuration?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  resources?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  packages?: Record<string, unknown>;
}

const programKeys = [
  'configuration',
  'variables',
  'resources',
  'outputs',
  'packages',
];
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const configKey = /^[A-Za-z0-9_.:-]+$/;

/** Every rule a Stack order must satisfy, as issues naming field and rule. */
export function validateStackInput(input: StackInput): Issue[] {
  const issues: Issue[] = [
    ...validateOrderName(input.name, {
      field: 'name',
      maxLength: STACK_NAME_MAX_LENGTH,
    }),
    ...validateNamespace(input.namespace, { field: 'namespace' }),
    ...validateStackIdentifier(input.stack, { field: 'stack' }),
  ];
  const source = input.source as Record<string, any>;
  if ('programRef' in source && source.programRef !== undefined) {
    issues.push(
      ...validateSecretName(source.programRef, { field: 'programRef' }),
    );
    issues.push(...validateProgramProject(input.stack, source.programRef));
  } else {
    issues.push(
      ...validateGitUrl(source.projectRepo, { field: 'projectRepo' }),
    );
    if (source.branch && source.commit) {
      issues.push({
        field: 'commit',
        rule: 'exclusive',
        message: 'give either branch or commit, not both',
      });
    }
    if (!source.branch && !source.commit) {
      issues.push({
        field: 'branch',
        rule: 'required',
        message: 'give a branch or a commit of projectRepo',
      });
    }
    if (source.commit && !/^[0-9a-f]{7,40}$/.test(source.commit)) {
      issues.push({
        field: 'commit',
        rule: 'sha',
        message: `'${String(source.commit).slice(0, 50)}' is not a commit SHA`,
      });
    }
    if (source.branch && !/^[A-Za-z0-9._/-]{1,200}$/.test(source.branch)) {
      issues.push({
        field: 'branch',
        rule: 'ref-name',
        message: `'${String(source.branch).slice(0, 50)}' is not a branch name`,
      });
    } else if (source.branch && source.branch.split('/').includes('..')) {
      issues.push({
        field: 'branch',
        rule: 'ref-name',
        message: "may not contain '..'",
      });
    }
    if (source.repoDir !== undefined) {
      issues.push(...validateRepoDir(source.repoDir, { field: 'repoDir' }));
    }
    if (source.gitAuth) {
      issues.push(
        ...validateSecretName(source.gitAuth.secretName, {
          field: 'gitAuthSecret',
        }),
      );
    }
  }
  for (const key of Object.keys(input.config ?? {})) {
    if (!configKey.test(key)) {
      issues.push({
        field: `config.${key}`,
        rule: 'config-key',
        message: 'is not a Pulumi config key',
      });
    }
  }
  for (const [name, ref] of Object.entries(input.envSecrets ?? {})) {
    if (!envName.test(name)) {
      issues.push({
        field: `envSecrets.${name}`,
        rule: 'env-name',
        message: 'is not an environment variable name',
      });
    }
    if (!ref || typeof ref !== 'object') {
      issues.push({
        field: `envSecrets.${name}`,
        rule: 'secret-ref',
        message: 'must name a Secret and a key, never a value',
      });
      continue;
    }
    issues.push(
      ...validateSecretName(ref.secretName, {
        field: `envSecrets.${name}.secretName`,
      }),
    );
    if (
      typeof ref.key !== 'string' ||
      !/^[-._a-zA-Z0-9]{1,253}$/.test(ref.key)
    ) {
      issues.push({
        field: `envSecrets.${name}.key`,
        rule: 'secret-key',
        message: 'is not a Secret key',
      });
    }
  }
  if (input.serviceAccountName !== undefined) {
    issues.push(
      ...validateSecretName(input.serviceAccountName, {
        field: 'serviceAccountName',
      }),
    );
  }
  if (input.resyncFrequencySeconds !== undefined) {
    const r = input.resyncFrequencySeconds;
    if (!Number.isInteger(r) || r < 60 || r > 7 * 24 * 3600) {
      issues.push({
        field: 'resyncFrequencySeconds',
        rule: 'range',
        message: 'must be a whole number of seconds from 60 to 604800',
      });
    }
  }
  return issues;
}

/**
 * The Pulumi project of a Program-based Stack. The Operator serves a Program
 * as a Pulumi YAML project whose `name` is the Program's `metadata.name`
 * (docs/upstream-contracts.md PKO-9), and Pulumi Cloud refuses to create a
 * stack `org/project/stack` whose project differs from that name. So the
 * project segment of `spec.stack` must be the Program's name.
 */
export function validateProgramProject(
  stack: unknown,
  programRef: unknown,
): Issue[] {
  if (typeof stack !== 'string' || typeof programRef !== 'string') return [];
  const parts = stack.split('/');
  if (parts.length !== 3 || parts[1] === programRef) return [];
  return [
    {
      field: 'stack',
      rule: 'project-is-program',
      message: `the project of '${stack.slice(
        0,
        80,
      )}' must be the Program's name '${programRef.slice(
        0,
        80,
      )}' (the Operator names the Pulumi project after the Program), e.g. '${
        parts[0]
      }/${programRef.slice(0, 80)}/${parts[2]}'`,
    },
  ];
}

/** Checks a Pulumi YAML program's top level against what a Program may hold. */
export function validatePulumiYamlProgram(
  program: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (!program || typeof program !== 'object' || Array.isArray(program)) {
    return [
      {
        field,
        rule: 'type',
        message: 'must be a Pulumi YAML program (an object)',
      },
    ];
  }
  return Object.keys(program)
    .filter(k => !programKeys.includes(k))
    .map(k => ({
      field: `${field}.${k}`,
      rule: 'program-key',
      message: `a Program holds only ${programKeys.join(', ')}`,
    }));
}

/** A Stack object from validated input (see {@link validateStackInput}). */
export function buildStack(
  input: StackInput & { metadata: OrderMetadata },
): PulumiStack {
  const source = input.source as Record<string, any>;
  const spec: PulumiStack['spec'] = {
    stack: input.stack,
    destroyOnFinalize: input.destroyOnFinalize ?? true,
  };
  if (source.programRef) {
    spec.programRef = { name: source.programRef };
  } else {
    spec.projectRepo = source.projectRepo;
    if (source.branch) spec.branch = source.branch;
    if (source.commit) spec.commit = source.commit;
    if (source.repoDir) spec.repoDir = source.repoDir;
    if (source.gitAuth) {
      spec.gitAuth = {
        accessToken: {
          type: 'Secret',
          secret: { name: source.gitAuth.secretName, key: 'accessToken' },
        },
      };
    }
  }
  if (input.config && Object.keys(input.config).length)
    spec.config = { ...input.config };
  if (input.envSecrets && Object.keys(input.envSecrets).length) {
    spec.envRefs = Object.fromEntries(
      Object.entries(input.envSecrets).map(([k, ref]) => [
        k,
        {
          type: 'Secret' as const,
          secret: { name: ref.secretName, key: ref.key },
        },
      ]),
    );
  }
  if (input.serviceAccountName)
    spec.serviceAccountName = input.serviceAccountName;
  if (input.refresh !== undefined) spec.refresh = input.refresh;
  if (input.resyncFrequencySeconds !== undefined)
    spec.resyncFrequencySeconds = input.resyncFrequencySeconds;
  return {
    apiVersion: 'pulumi.com/v1',
    kind: 'Stack',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.metadata.labels },
      annotations: {
        ...input.metadata.annotations,
        [ARGOCD_SYNC_WAVE]: STACK_WAVE,
      },
    },
    spec,
  };
}

/** A Program object holding a Pulumi YAML program. */
export function buildProgram(input: {
  name: string;
  namespace: string;
  program: PulumiYamlProgram;
  metadata: OrderMetadata;
}): PulumiProgram {
  const program: PulumiYamlProgram = {};
  for (const key of programKeys) {
    const value = (input.program as Record<string, unknown>)[key];
    if (value !== undefined) (program as Record<string, unknown>)[key] = value;
  }
  return {
    apiVersion: 'pulumi.com/v1',
    kind: 'Program',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.metadata.labels },
      annotations: {
        ...input.metadata.annotations,
        [ARGOCD_SYNC_WAVE]: STACK_PREREQUISITE_WAVE,
      },
    },
    program,
  };
}

/**
 * The ServiceAccount a Stack's workspace runs as. The Pulumi Kubernetes
 * Operator's workspaces also need `system:auth-delegator` for it; that
 * binding is the platform's, once per namespace where Stacks run (a
 * ClusterRoleBinding to the group `system:serviceaccounts:<namespace>`,
 * gitops/platform/stacks), never part of an order: the portal creates no
 * RBAC objects, so it needs no right to bind or delete any.
 */
export function buildStackServiceAccount(input: {
  name: string;
  namespace: string;
  metadata: OrderMetadata;
}): [IServiceAccount] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: input.name,
        namespace: input.namespace,
        labels: { ...input.metadata.labels },
        annotations: {
          ...input.metadata.annotations,
          [ARGOCD_SYNC_WAVE]: STACK_PREREQUISITE_WAVE,
        },
      },
    },
  ];
}
