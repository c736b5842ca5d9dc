import { ResponseError } from '@backstage/errors';
import { KebapClient } from './KebapClient';

function client(respond: (url: string) => { status: number; body: unknown }) {
  const calls: string[] = [];
  const fetch = jest.fn(async (url: string) => {
    calls.push(url);
    const { status, body } = respond(url);
    return {
      ok: status < 400,
      status,
      statusText: status === 403 ? 'Forbidden' : 'OK',
      url,
      headers: new Headers({ 'content-type': 'application/json' }),
      json: async () => body,
      text: async () => JSON.stringify(body),
    } as unknown as Response;
  });
  const kebap = new KebapClient({
    discoveryApi: {
      getBaseUrl: async (pluginId: string) =>
        `http://localhost:7007/api/${pluginId}`,
    },
    fetchApi: { fetch: fetch as unknown as typeof globalThis.fetch },
  });
  return { kebap, calls };
}

describe('KebapClient', () => {
  it('asks the status route of the kebap backend for the entity, kind in lower case', async () => {
    const { kebap, calls } = client(() => ({
      status: 200,
      body: {
        entityRef: 'resource:default/dev-alpha',
        state: 'ready',
        summary: '',
        source: 'cluster',
      },
    }));
    const status = await kebap.getOrderStatus({
      kind: 'Resource',
      namespace: 'default',
      name: 'dev-alpha',
    });
    expect(calls).toEqual([
      'http://localhost:7007/api/kebap/status/resource/default/dev-alpha',
    ]);
    expect(status.state).toBe('ready');
  });

  it('drops the value of secret outputs a faulty backend sent', async () => {
    const { kebap } = client(() => ({
      status: 200,
      body: {
        entityRef: 'resource:default/db',
        state: 'ready',
        summary: '',
        source: 'cluster',
        stack: {
          name: 'db',
          namespace: 'kebap',
          lastUpdateState: 'succeeded',
          conditions: [],
          outputs: [
            { name: 'host', secret: false, value: 'db.example' },
            { name: 'password', secret: true, value: 'hunter2' },
          ],
        },
      },
    }));
    const status = await kebap.getOrderStatus({
      kind: 'resource',
      namespace: 'default',
      name: 'db',
    });
    expect(status.stack?.outputs).toEqual([
      { name: 'host', secret: false, value: 'db.example' },
      { name: 'password', secret: true },
    ]);
    expect(JSON.stringify(status)).not.toContain('hunter2');
  });

  it('rejects with a ResponseError carrying the status code', async () => {
    const { kebap } = client(() => ({
      status: 403,
      body: {
        error: { name: 'NotAllowedError', message: 'not the owner' },
        response: { statusCode: 403 },
      },
    }));
    const error = await kebap
      .getOrderStatus({ kind: 'resource', namespace: 'default', name: 'x' })
      .catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(403);
    expect(error.cause.message).toBe('not the owner');
  });
});
