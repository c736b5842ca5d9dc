import { createHash } from 'node:crypto';
import yaml from 'yaml';

/**
 * A small subset of Go's text/template with the Helm functions the portal's
 * chart uses, for rendering the chart in tests (there is no `helm` binary
 * on the build machines). It is NOT Helm: it supports exactly
 *
 * - actions `{{ … }}` with whitespace trimming `{{-` / `-}}` and comments
 *   `{{/* … *\/}}`;
 * - `if` / `else if` / `else`, `with` / `else`, `range` (lists and maps;
 *   `range $i, $v := …` binds variables), `define`, `end`;
 * - variables `$` (the root) and `$name := …` (scoped to the block);
 * - pipelines `a | f b` (the value is the last argument), parentheses;
 * - values: `.Field.Chain`, `$.Field`, `$var.Field`, strings, numbers,
 *   `true`/`false`/`nil`;
 * - functions `include`, `toYaml`, `nindent`, `indent`, `quote`, `default`,
 *   `required`, `eq`, `ne`, `not`, `and`, `or`, `printf` (`%s`, `%d`, `%v`),
 *   `trunc`, `trimSuffix`, `int`, `b64enc`, `sha256sum`.
 *
 * Anything else is an error naming the template and the construct, so a
 * chart that uses more than this fails its tests instead of rendering wrongly.
 */

type Value = unknown;

interface TextNode {
  type: 'text';
  text: string;
}
interface ActionNode {
  type: 'action';
  pipe: Pipeline;
}
interface IfNode {
  type: 'if' | 'with';
  branches: Array<{ cond?: Pipeline; body: Node[] }>;
}
interface RangeNode {
  type: 'range';
  keyVar?: string;
  valueVar?: string;
  pipe: Pipeline;
  body: Node[];
  elseBody: Node[];
}
type Node = TextNode | ActionNode | IfNode | RangeNode;

interface Pipeline {
  declare?: string;
  commands: Term[][];
}
type Term =
  | { t: 'field'; base: '.' | string; path: string[] }
  | { t: 'literal'; value: Value }
  | { t: 'ident'; name: string }
  | { t: 'pipe'; pipe: Pipeline };

interface Scope {
  dot: Value;
  vars: Map<string, Value>;
}

/** A parse or render error that names the template. */
export class TemplateError extends Error {
  constructor(template: string, message: string) {
    super(`${template}: ${message}`);
    this.name = 'TemplateError';
  }
}

const FUNCTIONS = new Set([
  'include',
  'toYaml',
  'nindent',
  'indent',
  'quote',
  'default',
  'required',
  'eq',
  'ne',
  'not',
  'and',
  'or',
  'printf',
  'trunc',
  'trimSuffix',
  'int',
  'b64enc',
  'sha256sum',
]);

/** Go's notion of an empty value (false in `if`, replaced by `default`). */
export function isEmpty(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '')
    return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function toText(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function tokenizeArgs(src: string, where: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length)
        throw new TemplateError(where, 'unterminated string');
      tokens.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '(' || c === ')' || c === '|' || c === ',') {
      tokens.push(c);
      i++;
    } else if (src.startsWith(':=', i)) {
      tokens.push(':=');
      i += 2;
    } else {
      let j = i;
      while (
        j < src.length &&
        !/[\s()|,"]/.test(src[j]) &&
        !src.startsWith(':=', j)
      )
        j++;
      tokens.push(src.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function parsePipeline(tokens: string[], where: string): Pipeline {
  let pos = 0;
  const term = (tok: string): Term => {
    if (tok.startsWith('"')) {
      try {
        return { t: 'literal', value: JSON.parse(tok) };
      } catch {
        throw new TemplateError(where, `bad string ${tok}`);
      }
    }
    if (/^-?\d+(\.\d+)?$/.test(tok))
      return { t: 'literal', value: Number(tok) };
    if (tok === 'true' || tok === 'false')
      return { t: 'literal', value: tok === 'true' };
    if (tok === 'nil') return { t: 'literal', value: undefined };
    if (tok === '.') return { t: 'field', base: '.', path: [] };
    if (tok.startsWith('.'))
      return { t: 'field', base: '.', path: tok.slice(1).split('.') };
    if (tok.startsWith('$')) {
      const [base, ...path] = tok.split('.');
      return { t: 'field', base, path };
    }
    if (FUNCTIONS.has(tok)) return { t: 'ident', name: tok };
    throw new TemplateError(where, `unsupported function or token '${tok}'`);
  };
  const pipe = (): Pipeline => {
    const result: Pipeline = { commands: [] };
    if (tokens[pos]?.startsWith('$') && tokens[pos + 1] === ':=') {
      result.declare = tokens[pos];
      pos += 2;
    }
    let command: Term[] = [];
    while (pos < tokens.length && tokens[pos] !== ')') {
      const tok = tokens[pos++];
      if (tok === '|') {
        if (command.length === 0)
          throw new TemplateError(where, 'empty command in pipeline');
        result.commands.push(command);
        command = [];
      } else if (tok === '(') {
        const inner = pipe();
        if (tokens[pos++] !== ')') throw new TemplateError(where, 'missing )');
        command.push({ t: 'pipe', pipe: inner });
      } else {
        command.push(term(tok));
      }
    }
    if (command.length === 0) throw new TemplateError(where, 'empty pipeline');
    result.commands.push(command);
    return result;
  };
  const result = pipe();
  if (pos !== tokens.length) throw new TemplateError(where, 'unexpected )');
  return result;
}

interface Action {
  kind: 'text' | 'action';
  text: string;
}

/** Splits source into text and actions, applying `{{-` / `-}}` trimming. */
function lex(src: string, where: string): Action[] {
  const out: Action[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start++;
    }
    out.push({ kind: 'text', text });
    const close = src.indexOf('}}', start);
    if (close < 0) throw new TemplateError(where, 'unclosed action {{');
    let end = close;
    let trimAfter = false;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      end = close - 1;
      trimAfter = true;
    }
    out.push({ kind: 'action', text: src.slice(start, end).trim() });
    i = close + 2;
    if (trimAfter) {
      const m = /^\s*/.exec(src.slice(i));
      i += m ? m[0].length : 0;
    }
  }
  return out;
}

/** A parsed set of templates: the files of a chart plus their `define`s. */
export class GoTemplate {
  private readonly templates = new Map<string, Node[]>();

  /** Parses one file; its `define`d templates become available to `include`. */
  add(name: string, source: string): void {
    const actions = lex(source, name);
    let pos = 0;
    const parseList = (
      terminators: string[],
    ): { nodes: Node[]; end: string } => {
      const nodes: Node[] = [];
      while (pos < actions.length) {
        const a = actions[pos++];
        if (a.kind === 'text') {
          if (a.text) nodes.push({ type: 'text', text: a.text });
          continue;
        }
        const src = a.text;
        if (src.startsWith('/*')) continue;
        const [word] = src.split(/\s+/, 1);
        if (terminators.includes(word) || terminators.includes(src))
          return { nodes, end: src };
        if (word === 'if' || word === 'with') {
          const node: IfNode = { type: word, branches: [] };
          let cond: Pipeline | undefined = parsePipeline(
            tokenizeArgs(src.slice(word.length), name),
            name,
          );
          for (;;) {
            const { nodes: body, end } = parseList(['else', 'end']);
            node.branches.push({ cond, body });
            if (end === 'end') break;
            if (end === 'else') {
              const rest = parseList(['end']);
              node.branches.push({ body: rest.nodes });
              break;
            }
            if (end.startsWith('else if') && word === 'if') {
              cond = parsePipeline(tokenizeArgs(end.slice(7), name), name);
              continue;
            }
            throw new TemplateError(name, `unexpected {{ ${end} }}`);
          }
          nodes.push(node);
        } else if (word === 'range') {
          let rest = src.slice(5).trim();
          let keyVar: string | undefined;
          let valueVar: string | undefined;
          const decl = /^(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*(.*)$/.exec(rest);
          if (decl) {
            if (decl[2]) {
              keyVar = decl[1];
              valueVar = decl[2];
            } else valueVar = decl[1];
            rest = decl[3];
          }
          const pipe = parsePipeline(tokenizeArgs(rest, name), name);
          const { nodes: body, end } = parseList(['else', 'end']);
          const elseBody = end === 'else' ? parseList(['end']).nodes : [];
          nodes.push({ type: 'range', keyVar, valueVar, pipe, body, elseBody });
        } else if (word === 'define') {
          const m = /^define\s+"([^"]+)"$/.exec(src);
          if (!m) throw new TemplateError(name, `bad define: ${src}`);
          const { nodes: body } = parseList(['end']);
          this.templates.set(m[1], body);
        } else if (['end', 'else'].includes(word)) {
          throw new TemplateError(name, `unexpected {{ ${src} }}`);
        } else if (['template', 'block', 'tpl'].includes(word)) {
          throw new TemplateError(name, `unsupported action '${word}'`);
        } else {
          nodes.push({
            type: 'action',
            pipe: parsePipeline(tokenizeArgs(src, name), name),
          });
        }
      }
      if (terminators.length)
        throw new TemplateError(name, `missing {{ end }}`);
      return { nodes, end: '' };
    };
    const { nodes } = parseList([]);
    this.templates.set(name, nodes);
  }

  /** Renders a file or a defined template with `dot` as `.` and `$`. */
  render(name: string, dot: Value): string {
    const nodes = this.templates.get(name);
    if (!nodes) throw new TemplateError(name, 'no such template');
    return this.exec(name, nodes, { dot, vars: new Map([['$', dot]]) });
  }

  private exec(name: string, nodes: Node[], scope: Scope): string {
    let out = '';
    const local: Scope = { dot: scope.dot, vars: new Map(scope.vars) };
    for (const node of nodes) {
      if (node.type === 'text') out += node.text;
      else if (node.type === 'action') {
        const v = this.pipe(name, node.pipe, local);
        if (!node.pipe.declare) out += toText(v);
      } else if (node.type === 'if' || node.type === 'with') {
        for (const b of node.branches) {
          const v = b.cond ? this.pipe(name, b.cond, local) : true;
          if (!isEmpty(v)) {
            const inner =
              node.type === 'with' && b.cond
                ? { dot: v, vars: new Map(local.vars) }
                : local;
            out += this.exec(name, b.body, inner);
            break;
          }
        }
      } else if (node.type === 'range') {
        const coll = this.pipe(name, node.pipe, local);
        let entries: Array<[Value, Value]> = [];
        if (Array.isArray(coll)) entries = coll.map((v, i) => [i, v]);
        else if (coll && typeof coll === 'object')
          entries = Object.keys(coll as object)
            .sort()
            .map(k => [k, (coll as Record<string, Value>)[k]]);
        if (entries.length === 0) {
          out += this.exec(name, node.elseBody, local);
          continue;
        }
        for (const [k, v] of entries) {
          const vars = new Map(local.vars);
          if (node.keyVar) vars.set(node.keyVar, k);
          if (node.valueVar) vars.set(node.valueVar, v);
          out += this.exec(name, node.body, { dot: v, vars });
        }
      }
    }
    return out;
  }

  private pipe(name: string, pipe: Pipeline, scope: Scope): Value {
    let value: Value;
    let first = true;
    for (const command of pipe.commands) {
      const args = first ? [] : [value];
      value = this.command(name, command, scope, args);
      first = false;
    }
    if (pipe.declare) scope.vars.set(pipe.declare, value);
    return value;
  }

  private term(name: string, term: Term, scope: Scope): Value {
    switch (term.t) {
      case 'literal':
        return term.value;
      case 'pipe':
        return this.pipe(name, term.pipe, scope);
      case 'field': {
        let v: Value;
        if (term.base === '.') v = scope.dot;
        else if (scope.vars.has(term.base)) v = scope.vars.get(term.base);
        else throw new TemplateError(name, `undefined variable ${term.base}`);
        for (const key of term.path) {
          // as Go: a missing map key gives no value; a field of no value fails
          if (v === undefined || v === null)
            throw new TemplateError(
              name,
              `nil pointer evaluating interface {}.${key}`,
            );
          if (typeof v !== 'object')
            throw new TemplateError(
              name,
              `can't evaluate field ${key} in type ${typeof v}`,
            );
          v = (v as Record<string, Value>)[key];
        }
        return v;
      }
      default:
        throw new TemplateError(name, `function ${term.name} used as a value`);
    }
  }

  private command(
    name: string,
    command: Term[],
    scope: Scope,
    piped: Value[],
  ): Value {
    const [head, ...rest] = command;
    if (head.t !== 'ident') {
      if (rest.length || piped.length)
        throw new TemplateError(name, 'a value cannot take arguments');
      return this.term(name, head, scope);
    }
    const args = [...rest.map(t => this.term(name, t, scope)), ...piped];
    const fn = head.name;
    const arity = (n: number) => {
      if (args.length !== n)
        throw new TemplateError(
          name,
          `${fn} takes ${n} arguments, got ${args.length}`,
        );
    };
    switch (fn) {
      case 'include':
        arity(2);
        return this.render(String(args[0]), args[1]);
      case 'toYaml':
        arity(1);
        return yaml.stringify(args[0], { lineWidth: 0 }).trimEnd();
      case 'nindent':
      case 'indent': {
        arity(2);
        const pad = ' '.repeat(Number(args[0]));
        const body = toText(args[1])
          .split('\n')
          .map(l => pad + l)
          .join('\n');
        return fn === 'nindent' ? `\n${body}` : body;
      }
      case 'quote':
        return args.map(a => JSON.stringify(toText(a))).join(' ');
      case 'default':
        arity(2);
        return isEmpty(args[1]) ? args[0] : args[1];
      case 'required':
        arity(2);
        if (args[1] === undefined || args[1] === null || args[1] === '')
          throw new TemplateError(name, String(args[0]));
        return args[1];
      case 'eq':
        arity(2);
        return args[0] === args[1];
      case 'ne':
        arity(2);
        return args[0] !== args[1];
      case 'not':
        arity(1);
        return isEmpty(args[0]);
      case 'and':
        return args.find(isEmpty) ?? args[args.length - 1];
      case 'or':
        return args.find(a => !isEmpty(a)) ?? args[args.length - 1];
      case 'printf': {
        const [format, ...values] = args;
        let i = 0;
        return String(format).replace(/%[sdv]/g, () => toText(values[i++]));
      }
      case 'trunc':
        arity(2);
        return toText(args[1]).slice(0, Number(args[0]));
      case 'trimSuffix': {
        arity(2);
        const s = toText(args[1]);
        const suffix = String(args[0]);
        return s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'int':
        arity(1);
        return Math.trunc(Number(args[0]));
      case 'b64enc':
        arity(1);
        return Buffer.from(toText(args[0])).toString('base64');
      case 'sha256sum':
        arity(1);
        return createHash('sha256').update(toText(args[0])).digest('hex');
      default:
        throw new TemplateError(name, `unsupported function ${fn}`);
    }
  }
}
