import { GoTemplate, TemplateError } from './GoTemplate';
import { mergeValues } from './renderChart';

function render(source: string, dot: unknown, defs = '') {
  const t = new GoTemplate();
  if (defs) t.add('_helpers.tpl', defs);
  t.add('t.yaml', source);
  return t.render('t.yaml', dot);
}

describe('GoTemplate (the subset of Go templates the chart uses)', () => {
  it('trims whitespace with {{- and -}} as Go does', () => {
    expect(render('a:\n  {{- " b" }}\nc: {{ "d" -}}  \n  e', {})).toBe(
      'a: b\nc: de',
    );
  });

  it('evaluates fields and $; a missing key is empty, a field of it fails as in Go', () => {
    const dot = { Values: { a: { b: 'x' } } };
    expect(
      render('{{ .Values.a.b }}/{{ $.Values.a.b }}/{{ .Values.nope }}', dot),
    ).toBe('x/x/');
    expect(() => render('{{ .Values.nope.deeper }}', dot)).toThrow(
      'nil pointer evaluating interface {}.deeper',
    );
  });

  it('takes if / else if / else by Go’s truthiness', () => {
    const t = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
    expect(render(t, { a: 1 })).toBe('A');
    expect(render(t, { a: 0, b: ['x'] })).toBe('B');
    expect(render(t, { a: '', b: [] })).toBe('C');
    expect(render(t, { a: {}, b: false })).toBe('C');
  });

  it('rebinds the dot in with, and skips empty values', () => {
    expect(render('{{ with .a }}[{{ .b }}]{{ end }}', { a: { b: 2 } })).toBe(
      '[2]',
    );
    expect(
      render('{{ with .a }}[{{ .b }}]{{ else }}none{{ end }}', { a: {} }),
    ).toBe('none');
  });

  it('ranges over lists in order and maps by sorted key, with variables', () => {
    expect(render('{{ range .l }}{{ . }},{{ end }}', { l: ['x', 'y'] })).toBe(
      'x,y,',
    );
    expect(
      render('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', {
        m: { b: 2, a: 1 },
      }),
    ).toBe('a=1;b=2;');
    expect(render('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] })).toBe(
      'empty',
    );
  });

  it('declares variables scoped to their block', () => {
    expect(
      render(
        '{{ $x := "a" }}{{ if true }}{{ $x := "b" }}{{ $x }}{{ end }}{{ $x }}',
        {},
      ),
    ).toBe('ba');
  });

  it('includes defined templates with their own dot', () => {
    const defs = '{{- define "name" -}}{{ .n }}-{{ .m }}{{- end -}}';
    expect(render('x: {{ include "name" . }}', { n: 'a', m: 'b' }, defs)).toBe(
      'x: a-b',
    );
  });

  it('pipes the value as the last argument', () => {
    expect(render('{{ .a | default "d" | quote }}', { a: '' })).toBe('"d"');
    expect(render('{{ .a | default "d" | quote }}', { a: 'v' })).toBe('"v"');
    expect(
      render('{{ printf "%s-%s" .a "z" | trunc 3 | trimSuffix "-" }}', {
        a: 'ab',
      }),
    ).toBe('ab');
  });

  it('renders toYaml with nindent and indent', () => {
    expect(
      render('k:{{ toYaml .m | nindent 2 }}', { m: { a: 1, b: ['x'] } }),
    ).toBe('k:\n  a: 1\n  b:\n    - x');
    expect(render('{{ "a\\nb" | indent 2 }}', {})).toBe('  a\n  b');
  });

  it('fails required with its message, and on anything outside the subset', () => {
    expect(() => render('{{ required "name is required" .n }}', {})).toThrow(
      't.yaml: name is required',
    );
    expect(() => render('{{ lookup "v1" "Secret" "a" "b" }}', {})).toThrow(
      TemplateError,
    );
    expect(() => render('{{ tpl .x . }}', {})).toThrow(
      /unsupported action 'tpl'/,
    );
    expect(() => render('{{ if .a }}x', {})).toThrow(/missing \{\{ end \}\}/);
    expect(() => render('{{ .a.b }}', { a: 'str' })).toThrow(
      /can't evaluate field b/,
    );
  });

  it('hashes with sha256sum', () => {
    expect(render('{{ "abc" | sha256sum }}', {})).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('mergeValues (Helm’s values merge)', () => {
  it('merges maps, replaces lists and scalars, deletes on null', () => {
    expect(
      mergeValues(
        { a: { b: 1, c: 2 }, l: [1, 2], s: 'x', gone: { x: 1 } },
        { a: { c: 3, d: 4 }, l: [9], s: 'y', gone: null },
      ),
    ).toEqual({ a: { b: 1, c: 3, d: 4 }, l: [9], s: 'y' });
  });
});
