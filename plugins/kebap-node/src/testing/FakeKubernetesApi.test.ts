import { FakeKubernetesApi } from './FakeKubernetesApi';

describe('FakeKubernetesApi (test double) rules', () => {
  let api: FakeKubernetesApi;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
  });
  afterEach(() => api.stop());

  const patch = (
    path: string,
    body: string,
    type = 'application/apply-patch+yaml',
    query = '?fieldManager=m',
  ) =>
    fetch(`${api.baseUrl}${path}${query}`, {
      method: 'PATCH',
      headers: { 'Content-Type': type },
      body,
    });

  it('requires the apply content type and a field manager', async () => {
    const body = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n';
    expect(
      (
        await patch(
          '/api/v1/namespaces/a',
          body,
          'application/merge-patch+json',
        )
      ).status,
    ).toBe(415);
    expect(
      (await patch('/api/v1/namespaces/a', body, undefined, '')).status,
    ).toBe(422);
    expect((await patch('/api/v1/namespaces/a', body)).status).toBe(201);
  });

  it('removes fields a manager stops applying, keeps fields of other managers', async () => {
    await patch(
      '/api/v1/namespaces/a',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {x: "1", y: "2"}\n',
    );
    await patch(
      '/api/v1/namespaces/a',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {z: "3"}\n',
      undefined,
      '?fieldManager=other',
    );
    await patch(
      '/api/v1/namespaces/a',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {x: "1"}\n',
    );
    const got = await (
      await fetch(`${api.baseUrl}/api/v1/namespaces/a`)
    ).json();
    expect(got.metadata.labels).toEqual({ x: '1', z: '3' });
  });

  it('forces ownership only when asked', async () => {
    api.seed(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'a', labels: { x: '1' } },
      },
      { manager: 'kubectl' },
    );
    const body =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {x: "2"}\n';
    expect((await patch('/api/v1/namespaces/a', body)).status).toBe(409);
    expect(
      (
        await patch(
          '/api/v1/namespaces/a',
          body,
          undefined,
          '?fieldManager=m&force=true',
        )
      ).status,
    ).toBe(200);
  });

  it('answers 404 for unknown kinds and missing objects', async () => {
    expect(
      (await fetch(`${api.baseUrl}/apis/apps/v1/namespaces/a/deployments/x`))
        .status,
    ).toBe(404);
    expect(
      (await fetch(`${api.baseUrl}/apis/pulumi.com/v1/namespaces/a/stacks/x`))
        .status,
    ).toBe(404);
  });

  it('filters lists by label selector', async () => {
    for (const [name, labels] of [
      ['a', { env: 'dev' }],
      ['b', { env: 'prod' }],
      ['c', {}],
    ] as const) {
      api.seed(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
        { manager: 'm' },
      );
    }
    const names = async (selector: string) =>
      (
        await (
          await fetch(
            `${
              api.baseUrl
            }/api/v1/namespaces?labelSelector=${encodeURIComponent(selector)}`,
          )
        ).json()
      ).items.map((o: any) => o.metadata.name);
    expect(await names('env=dev')).toEqual(['a']);
    expect(await names('env!=dev')).toEqual(['b', 'c']);
    expect(await names('env')).toEqual(['a', 'b']);
    expect(await names('!env')).toEqual(['c']);
    expect(await names('env notin (dev)')).toEqual(['b', 'c']);
  });
});
