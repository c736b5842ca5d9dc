/*
 * The ordering actions end to end in gitops delivery: each order leaves a
 * commit whose manifests validate against the real CRDs and the vCluster
 * values schema; bad input is refused before anything is written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { describeWithSchemas } from '@internal/plugin-kebap-common/testing';
import { readKebapSettings } from '../KebapSettings';
import { GitopsDelivery } from '../delivery/GitopsDelivery';
import { mayOverwriteOrder } from '../delivery/createOrderDelivery';
import { createRecordingLogger } from '../testing/createRecordingLogger';
import { createArgoCdClusterAction } from './argocd/cluster';
import { createExternalSecretAction } from './externalSecret/externalSecret';
import { createPulumiStackAction } from './pulumiStack/stack';
import { createVClusterCreateAction } from './vcluster/create';

// each order commits to a temporary Git repository: seconds on a loaded machine
jest.setTimeout(30_000);

const settings = readKebapSettings(new ConfigReader({}));

async function setup() {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orders-'));
  const delivery = new GitopsDelivery({
    repoPath: path.join(dir, 'repo'),
    mayOverwrite: mayOverwriteOrder,
  });
  const deps = { delivery, settings };
  const actions = {
    vcluster: createVClusterCreateAction(deps),
    register: createArgoCdClusterAction(deps),
    stack: createPulumiStackAction(deps),
    secret: createExternalSecretAction(deps),
  };
  const run = async (
    action: keyof typeof actions,
    input: Record<string, unknown>,
    extra = {},
  ) => {
    const logger = createRecordingLogger();
    const ctx = createMockActionContext({ input: input as any, logger });
    Object.assign(ctx, {
      task: { id: 'task-7' },
      user: { ref: 'user:default/guest' },
      ...extra,
    });
    await actions[action].handler(ctx as any);
    return { ctx, logger };
  };
  const committed = async () => {
    const files = (
      await git.listFiles({ fs, dir: delivery.repoPath, ref: 'HEAD' })
    ).filter(f => f.startsWith('orders/'));
    return Object.fromEntries(
      await Promise.all(
        files.map(async f => {
          const { blob } = await git.readBlob({
            fs,
            dir: delivery.repoPath,
            oid: await git.resolveRef({
              fs,
              dir: delivery.repoPath,
              ref: 'HEAD',
            }),
            filepath: f,
          });
          return [f, yaml.parse(Buffer.from(blob).toString('utf8'))];
        }),
      ),
    );
  };
  return {
    dir,
    delivery,
    run,
    committed,
    cleanup: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
}

const owner = 'group:default/team-payments';

describeWithSchemas('orders in gitops delivery', validator => {
  it('a dev-cluster order leaves a commit with valid manifests', async () => {
    const env = await setup();
    await env.run('vcluster', {
      name: 'alpha',
      owner,
      size: 'medium',
      kubernetesVersion: '1.30',
    });
    await env.run('register', { name: 'alpha', owner });
    const objects = await env.committed();
    expect(Object.keys(objects).sort()).toEqual([
      'orders/dev/alpha/registration/externalsecret-argocd.cluster-dev-alpha.yaml',
      'orders/dev/alpha/registration/secretstore-argocd.vc-alpha-kubeconfig.yaml',
      'orders/dev/alpha/vcluster/application-argocd.vcluster-alpha.yaml',
    ]);
    for (const [file, obj] of Object.entries(objects)) {
      expect({ file, errors: validator().validate(obj as any) }).toEqual({
        file,
        errors: [],
      });
    }
    const app =
      objects[
        'orders/dev/alpha/vcluster/application-argocd.vcluster-alpha.yaml'
      ];
    expect(
      validator().validateVClusterValues(app.spec.source.helm.valuesObject),
    ).toEqual([]);
    const es =
      objects[
        'orders/dev/alpha/registration/externalsecret-argocd.cluster-dev-alpha.yaml'
      ];
    expect(es.spec.target.template.metadata.labels).toMatchObject({
      'argocd.argoproj.io/secret-type': 'cluster',
      env: 'dev',
      'kebap.io/owner': 'team-payments',
    });
    // no credential material anywhere in the commit
    expect(JSON.stringify(objects)).not.toMatch(
      /BEGIN (CERTIFICATE|RSA|PRIVATE)/,
    );
    await env.cleanup();
  });

  it('a database order (Program + Stack + ExternalSecret) leaves valid manifests', async () => {
    const env = await setup();
    await env.run('secret', {
      order: 'payments-db',
      owner,
      name: 'payments-db-cloud',
      namespace: 'team-payments',
      data: [
        {
          secretKey: 'DIGITALOCEAN_TOKEN',
          remoteKey: 'digitalocean',
          property: 'token',
        },
      ],
    });
    const { ctx } = await env.run('stack', {
      name: 'payments-db',
      namespace: 'team-payments',
      owner,
      kind: 'database',
      stack: 'acme/payments-db-program/payments-db',
      program: {
        resources: {
          db: {
            type: 'digitalocean:DatabaseCluster',
            properties: { engine: 'pg' },
          },
        },
        outputs: { host: '${db.host}' },
      },
      envSecrets: {
        DIGITALOCEAN_TOKEN: {
          secretName: 'payments-db-cloud',
          key: 'DIGITALOCEAN_TOKEN',
        },
      },
      serviceAccountName: 'pulumi-payments',
      createServiceAccount: true,
    });
    const objects = await env.committed();
    expect(Object.keys(objects).sort()).toEqual([
      'orders/prod/payments-db/secret-payments-db-cloud/externalsecret-team-payments.payments-db-cloud.yaml',
      'orders/prod/payments-db/stack/program-team-payments.payments-db-program.yaml',
      'orders/prod/payments-db/stack/serviceaccount-team-payments.pulumi-payments.yaml',
      'orders/prod/payments-db/stack/stack-team-payments.payments-db.yaml',
    ]);
    for (const [file, obj] of Object.entries(objects)) {
      expect({ file, errors: validator().validate(obj as any) }).toEqual({
        file,
        errors: [],
      });
    }
    const stack =
      objects[
        'orders/prod/payments-db/stack/stack-team-payments.payments-db.yaml'
      ];
    expect(stack.spec.programRef).toEqual({ name: 'payments-db-program' });
    expect(stack.spec.destroyOnFinalize).toBe(true);
    expect(ctx.output).toHaveBeenCalledWith(
      'stackUrl',
      'https://app.pulumi.com/acme/payments-db-program/payments-db',
    );
    await env.cleanup();
  });
});

describe('ordering actions refuse bad input before any write', () => {
  const cases: Array<
    [
      string,
      'vcluster' | 'register' | 'stack' | 'secret',
      Record<string, unknown>,
      RegExp,
    ]
  > = [
    [
      'stack name too long for the CRD',
      'stack',
      {
        name: 'a'.repeat(43),
        namespace: 'ns-a',
        owner,
        stack: 'o/p/s',
        programRef: 'p',
      },
      /name: .*at most 42/,
    ],
    [
      'stack from a file URL',
      'stack',
      {
        name: 'db',
        namespace: 'ns-a',
        owner,
        stack: 'o/p/s',
        projectRepo: 'file:///etc',
        branch: 'main',
      },
      /projectRepo: .*\(git-url\)/,
    ],
    [
      'stack with both program and programRef',
      'stack',
      {
        name: 'db',
        namespace: 'ns-a',
        owner,
        stack: 'o/p/s',
        programRef: 'x',
        program: { resources: {} },
      },
      /programRef: give either program or programRef/,
    ],
    [
      'stack program with unknown keys',
      'stack',
      {
        name: 'db',
        namespace: 'ns-a',
        owner,
        stack: 'o/p/s',
        program: { runtime: 'yaml' },
      },
      /program.runtime: a Program holds only/,
    ],
    [
      'service account asked without a name',
      'stack',
      {
        name: 'db',
        namespace: 'ns-a',
        owner,
        stack: 'o/p/s',
        programRef: 'p',
        createServiceAccount: true,
      },
      /serviceAccountName: is required/,
    ],
    [
      'stack in a reserved namespace',
      'stack',
      {
        name: 'db',
        namespace: 'kube-system',
        owner,
        stack: 'o/p/s',
        programRef: 'p',
      },
      /namespace: 'kube-system' is reserved/,
    ],
    [
      'secret without data',
      'secret',
      { order: 'db', owner, name: 's', namespace: 'ns-a' },
      /data: give data or dataFrom/,
    ],
    [
      'secret with a bad key',
      'secret',
      {
        order: 'db',
        owner,
        name: 's',
        namespace: 'ns-a',
        data: [{ secretKey: 'a/b', remoteKey: 'k' }],
      },
      /data\[0\]\.secretKey/,
    ],
    [
      'secret with a bad refresh interval',
      'secret',
      {
        order: 'db',
        owner,
        name: 's',
        namespace: 'ns-a',
        data: [{ secretKey: 'a', remoteKey: 'k' }],
        refreshInterval: 'soon',
      },
      /refreshInterval: 'soon' is not a duration/,
    ],
    [
      'registration of a bad name',
      'register',
      { name: 'Alpha!', owner },
      /name: 'Alpha!' must be lowercase/,
    ],
    [
      'registration for a user',
      'register',
      { name: 'alpha', owner: 'user:default/guest' },
      /owner: must be a group/,
    ],
    [
      'vcluster with a look-alike name',
      'vcluster',
      { name: 'аlpha', owner, size: 'small' },
      /name: .*non-ASCII/,
    ],
    [
      'vcluster with a control character in its purpose',
      'vcluster',
      { name: 'alpha', owner, size: 'small', purpose: 'a\u0007b' },
      /purpose: contains control characters/,
    ],
  ];

  it.each(cases)('%s', async (_name, action, input, message) => {
    const env = await setup();
    await expect(env.run(action, input)).rejects.toThrow(message);
    expect(fs.existsSync(env.delivery.repoPath)).toBe(false);
    await env.cleanup();
  });
});
