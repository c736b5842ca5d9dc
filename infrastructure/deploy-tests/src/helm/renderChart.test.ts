import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import yaml from 'yaml';
import { helmRenderBinary, mergeValues, renderChart } from './renderChart';

/** A throw-away chart: Chart.yaml, values.yaml and the given files. */
function chart(files: Record<string, string>, values = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kebap-chart-'));
  const all: Record<string, string> = {
    'Chart.yaml':
      'apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: "4.5"\nkubeVersion: ">=1.29.0-0"\n',
    'values.yaml': values,
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** helm-render itself: `helm template` on the command line. */
function run(dir: string, args: string[] = [], input = '') {
  const r = spawnSync(helmRenderBinary(), [...args, 'rel', dir], {
    input,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
const mk = (files: Record<string, string>, values = '') => {
  const dir = chart(files, values);
  made.push(dir);
  return dir;
};
afterAll(() =>
  made.forEach(d => fs.rmSync(d, { recursive: true, force: true })),
);

describe('helm-render (Go text/template + sprig, as helm template)', () => {
  it('prints a YAML stream with # Source comments in Helm’s install order, without partials or NOTES.txt', () => {
    const dir = mk({
      'templates/_helpers.tpl':
        '{{- define "demo.name" -}}{{ .Chart.Name }}-x{{- end -}}',
      'templates/deploy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "demo.name" . }}\n',
      'templates/sa.yaml':
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n---\n\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n',
      'templates/empty.yaml': '{{- if false }}\nkind: Nothing\n{{- end }}\n',
      'templates/NOTES.txt': 'Thanks for installing {{ .Chart.Name }}',
    });
    const r = run(dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '---',
        '# Source: demo/templates/sa.yaml',
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n',
        '---',
        '# Source: demo/templates/sa.yaml',
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a',
        '---',
        '# Source: demo/templates/deploy.yaml',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo-x',
        '',
      ].join('\n'),
    );
  });

  it('exposes .Release, .Chart, .Capabilities, .Template and .Files', () => {
    const dir = mk({
      'files/motd.txt': 'hello\nworld\n',
      'templates/cm.yaml': [
        'kind: ConfigMap',
        'data:',
        '  release: {{ printf "%s %s %s %v %v %v" .Release.Name .Release.Namespace .Release.Service .Release.IsInstall .Release.IsUpgrade .Release.Revision | quote }}',
        '  chart: {{ printf "%s %s %s %s" .Chart.Name .Chart.Version .Chart.AppVersion .Chart.KubeVersion | quote }}',
        '  kube: {{ printf "%s %s %s" .Capabilities.KubeVersion.Version .Capabilities.KubeVersion.Major .Capabilities.KubeVersion.Minor | quote }}',
        '  kubeString: {{ .Capabilities.KubeVersion | quote }}',
        '  apis: {{ printf "%v %v %v" (.Capabilities.APIVersions.Has "apps/v1") (.Capabilities.APIVersions.Has "example.com/v9") (.Capabilities.APIVersions.Has "policy/v1") | quote }}',
        '  template: {{ printf "%s %s" .Template.Name .Template.BasePath | quote }}',
        '  motd: {{ .Files.Get "files/motd.txt" | quote }}',
        '  lines: {{ .Files.Lines "files/motd.txt" | len | quote }}',
      ].join('\n'),
    });
    const r = run(dir, [
      '--namespace',
      'ns1',
      '--kube-version',
      'v1.30.2',
      '--api-versions',
      'example.com/v9',
    ]);
    expect(r.stderr).toBe('');
    expect(yaml.parse(r.stdout).data).toEqual({
      release: 'rel ns1 Helm true false 1',
      chart: 'demo 1.2.3 4.5 >=1.29.0-0',
      kube: 'v1.30.2 1 30',
      kubeString: 'v1.30.2',
      apis: 'true true true',
      template: 'demo/templates/cm.yaml demo/templates',
      motd: 'hello\nworld\n',
      lines: '2',
    });
  });

  it('coalesces values as Helm: -f files in order, maps merge, lists and scalars replace, null deletes', () => {
    const dir = mk(
      { 'templates/v.yaml': 'values: {{ toJson .Values }}\n' },
      'a: {x: 1, w: 2, z: {deep: true}}\nlist: [1, 2]\nkeep: k\ngone: g\n',
    );
    const file = path.join(dir, 'second.yaml');
    fs.writeFileSync(file, 'a: {w: 3}\nextra: e\n');
    const r = run(
      dir,
      ['-f', '-', '-f', file],
      JSON.stringify({ a: { x: 9, z: null }, list: [3], gone: null }),
    );
    expect(r.stderr).toBe('');
    const expected = { a: { x: 9, w: 3 }, list: [3], keep: 'k', extra: 'e' };
    expect(yaml.parse(r.stdout).values).toEqual(expected);
    // mergeValues (TypeScript) merges the same way
    expect(
      mergeValues(
        mergeValues(
          {
            a: { x: 1, w: 2, z: { deep: true } },
            list: [1, 2],
            keep: 'k',
            gone: 'g',
          },
          { a: { x: 9, z: null }, list: [3], gone: null },
        ),
        { a: { w: 3 }, extra: 'e' },
      ),
    ).toEqual(expected);
  });

  it('has Helm’s functions: include, tpl, toYaml/fromYaml, toJson/fromJson, lookup; sprig’s; no env', () => {
    const dir = mk(
      {
        'templates/_t.tpl': '{{- define "t.inner" -}}in:{{ . }}{{- end -}}',
        'templates/f.yaml': [
          'include: {{ include "t.inner" "x" | upper | quote }}',
          'tpl: {{ tpl .Values.greeting . | quote }}',
          'yaml: {{ (fromYaml "a: 1\\nb: [x]").b | first | quote }}',
          'toYaml: {{ toYaml .Values.obj | quote }}',
          'json: {{ (fromJson "{\\"k\\": \\"v\\"}").k | quote }}',
          'lookup: {{ lookup "v1" "Secret" "ns" "name" | len | quote }}',
          'sprig: {{ list 3 1 2 | sortAlpha | join "," | b64enc | quote }}',
          'missing: "{{ .Values.nothing }}"',
        ].join('\n'),
      },
      'greeting: "hi {{ .Release.Name }}"\nobj: {b: 1, a: [x, "y", y]}\n',
    );
    const r = run(dir);
    expect(r.stderr).toBe('');
    expect(yaml.parse(r.stdout)).toEqual({
      include: 'IN:X',
      tpl: 'hi rel',
      yaml: 'x',
      // YAML 1.1, as Helm and Kubernetes read it: a bare y is true
      toYaml: 'a:\n- x\n- "y"\n- true\nb: 1',
      json: 'v',
      lookup: '0',
      sprig: Buffer.from('1,2,3').toString('base64'),
      missing: '',
    });
    const env = run(mk({ 'templates/e.yaml': 'home: {{ env "HOME" }}' }));
    expect(env.status).not.toBe(0);
    expect(env.stderr).toMatch(/function "env" not defined/);
  });

  it('fails with the message of required, a template error or invalid YAML on stderr', () => {
    const required = run(
      mk({
        'templates/_h.tpl':
          '{{- define "h.name" -}}{{ required "name is required" .Values.name }}{{- end -}}',
        'templates/r.yaml': 'name: {{ include "h.name" . }}',
      }),
    );
    expect(required.status).toBe(1);
    expect(required.stdout).toBe('');
    expect(required.stderr.trim()).toBe(
      'Error: execution error at (demo/templates/_h.tpl:1:26): name is required',
    );
    const nilField = run(mk({ 'templates/n.yaml': 'x: {{ .Values.a.b }}' }));
    expect(nilField.status).toBe(1);
    expect(nilField.stderr).toMatch(/nil pointer evaluating interface \{\}\.b/);
    const badYaml = run(mk({ 'templates/b.yaml': 'a: [1\n' }));
    expect(badYaml.status).toBe(1);
    expect(badYaml.stderr).toMatch(
      /^Error: YAML parse error on demo\/templates\/b.yaml/,
    );
  });

  it('refuses a Kubernetes version outside the chart’s kubeVersion, as Helm does', () => {
    const dir = mk({ 'templates/a.yaml': 'a: 1' });
    const r = run(dir, ['--kube-version', 'v1.26.5']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'Error: chart requires kubeVersion: >=1.29.0-0 which is incompatible with Kubernetes v1.26.5',
    );
    expect(() => renderChart(dir, { kubeVersion: 'v1.26.5' })).toThrow(
      'chart requires kubeVersion',
    );
    expect(renderChart(dir).objects).toEqual([{ a: 1 }]);
  });

  it('renderChart: a schema violation wins over a failing template, as Helm validates first', () => {
    const dir = mk(
      {
        'values.schema.json': JSON.stringify({
          type: 'object',
          properties: { name: { type: 'string', minLength: 1 } },
        }),
        'templates/r.yaml':
          'name: {{ required "name is required" .Values.name }}',
      },
      'name: ""\n',
    );
    expect(() => renderChart(dir)).toThrow(
      /values don't meet the specifications of the schema\(s\):\n\/name: must NOT have fewer than 1 characters/,
    );
    expect(() => renderChart(dir, { values: { name: null } })).toThrow(
      'name is required',
    );
    const ok = renderChart(dir, { values: { name: 'portal' } });
    expect(ok).toEqual({
      objects: [{ name: 'portal' }],
      values: { name: 'portal' },
      files: { 'templates/r.yaml': 'name: portal\n' },
    });
  });
});
