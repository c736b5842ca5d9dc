/*
 * The container image cannot be built here (no Docker engine), so this test
 * reads the top-level Dockerfile and checks what must hold for it: pinned
 * base images and CLI, a non-root runtime user, the Pulumi CLI on that
 * user's PATH, a health check on the readiness endpoint, and build steps that
 * are the scripts CI runs.
 */
import fs from 'node:fs';
import path from 'node:path';

const dockerfile = fs.readFileSync(
  path.resolve(__dirname, '../../../Dockerfile'),
  'utf8',
);
// join continued lines, drop comments
const lines = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map(l => l.trim())
  .filter(l => l && !l.startsWith('#'));
const args = Object.fromEntries(
  lines
    .filter(l => l.startsWith('ARG ') && l.includes('='))
    .map(l => l.slice(4).split('=', 2) as [string, string]),
);
const expand = (s: string) =>
  s.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_m, a, b) => args[a ?? b] ?? `\${${a ?? b}}`,
  );
const stages = lines.filter(l => l.startsWith('FROM '));
const finalStage = lines.slice(lines.lastIndexOf(stages[stages.length - 1]));

describe('Dockerfile', () => {
  it('pins every base image to an exact version', () => {
    for (const from of stages) {
      const image = expand(from.split(/\s+/)[1]);
      expect(image).toMatch(
        /^[a-z0-9./-]+:\d+\.\d+\.\d+[-a-z0-9.]*(@sha256:[0-9a-f]{64})?$/,
      );
    }
    expect(stages.length).toBeGreaterThanOrEqual(3);
  });

  it('installs a pinned Pulumi CLI and checks its checksum', () => {
    expect(args.PULUMI_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(dockerfile).toMatch(
      /pulumi-v\$\{PULUMI_VERSION\}-linux-x64\.tar\.gz/,
    );
    expect(dockerfile).toMatch(/sha256sum -c/);
  });

  it('runs as a non-root user with the Pulumi CLI on its PATH', () => {
    const user = finalStage.filter(l => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    const uid = user!.split(/\s+/)[1].split(':')[0];
    expect(uid).not.toMatch(/^(0|root)$/);
    const env = finalStage.filter(l => l.startsWith('ENV ')).join(' ');
    expect(env).toMatch(/PATH=\/opt\/pulumi:\$PATH/);
    expect(
      finalStage.some(l =>
        l.startsWith('COPY --from=pulumi /opt/pulumi /opt/pulumi'),
      ),
    ).toBe(true);
  });

  it("checks health on the backend's readiness endpoint and starts the production config", () => {
    const health = finalStage.find(l => l.startsWith('HEALTHCHECK'));
    expect(health).toMatch(/\/\.backstage\/health\/v1\/readiness/);
    const cmd = finalStage.find(l => l.startsWith('CMD'))!;
    expect(JSON.parse(cmd.slice(3).trim())).toEqual([
      'node',
      'packages/backend',
      '--config',
      'app-config.yaml',
      '--config',
      'app-config.production.yaml',
    ]);
  });

  it('builds with the same scripts CI runs, from the lock file', () => {
    const runs = lines.filter(l => l.startsWith('RUN ')).join('\n');
    expect(runs).toContain('bash scripts/setup.sh');
    expect(runs).toContain('yarn build:all');
    expect(runs).toContain('scripts/prepare-backend-bundle.sh /app');
    expect(dockerfile).toMatch(/ENV CI=true/); // setup.sh installs with --immutable under CI
  });
});
