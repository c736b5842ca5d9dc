/*
 * Two portal processes (two Node processes, as two backend replicas would
 * be) order one name for two owners at the same moment against the real
 * API server: exactly one wins and the other gets a ConflictError, because
 * the API server refuses the second create and the loser then judges the
 * winner's object. No lock in a process can do this across processes.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeRealKubernetes } from '../testing/RealKubernetes';

const run = promisify(execFile);
const script = path.join(__dirname, '__testUtils__', 'orderOnce.ts');

describeRealKubernetes('two backend processes racing for one name', kube => {
  it.each([1, 2, 3])('round %s: one winner, one ConflictError', async () => {
    const ns = kube().uniqueName('race');
    await kube().ensureNamespaces(ns);
    const name = kube().uniqueName('db');
    const startAt = Date.now() + 4000;
    const racer = (team: string) =>
      run(
        process.execPath,
        [
          '-r',
          'sucrase/register/ts',
          script,
          kube().kubeconfigPath,
          ns,
          name,
          team,
          String(startAt),
        ],
        { cwd: path.resolve(__dirname, '../..'), timeout: 45_000 },
      ).then(r => JSON.parse(r.stdout.trim().split('\n').pop()!));
    const results = await Promise.all([racer('team-a'), racer('team-b')]);
    expect(results.filter(r => r.ok)).toHaveLength(1);
    const lost = results.find(r => !r.ok);
    expect(lost).toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/ordered by group:default\/team-(a|b)/),
    });
    const stored: any = await kube().client().get({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      namespace: ns,
      name,
    });
    const winner = results[0].ok ? 'team-a' : 'team-b';
    expect(stored.metadata.annotations['kebap.io/owner-ref']).toBe(
      `group:default/${winner}`,
    );
  });
});
