import fhirpath from 'fhirpath';

/**
 * A fast evaluator for the subset of FHIRPath that rules write over workup facts: paths over plain
 * JSON, `where`/`select`/`exists`/`count`/`iif`, equality, ordering, `and`/`or`, `in`/`contains` and
 * `|`. fhirpath.js spends most of its time wrapping every value it touches; the facts are plain JSON,
 * so a direct walk gives the same answer far faster.
 *
 * It is a shortcut, never a second semantics: an expression outside the subset is not compiled here,
 * and at run time anything the subset does not cover (a FHIR resource, a date, a non-boolean operand
 * of `and`) throws `Unsupported`, and the caller re-evaluates with fhirpath.js. A test checks both
 * engines agree on every expression of the catalogue over every fixture and demo workup.
 */

export class Unsupported extends Error {
  constructor(what: string) {
    super(`fast path does not cover ${what}`);
    this.name = 'Unsupported';
  }
}

/** Thrown at run time, where it is common: one shared instance, so no stack is captured per fallback. */
const AT_RUN_TIME = new Unsupported('this value at run time');

interface AstNode {
  type: string;
  text?: string;
  children?: AstNode[];
}

type Scope = { vars: Record<string, unknown>; focus: unknown[] };
type Evaluator = (scope: Scope) => unknown[];

export type FastExpression = (vars: Record<string, unknown>) => unknown[];

/** Compile to the fast path, or undefined when the expression uses anything outside the subset. */
export function compileFast(expression: string): FastExpression | undefined {
  let ast: AstNode;
  try {
    ast = fhirpath.parse(expression) as AstNode;
  } catch {
    return undefined;
  }
  try {
    const evaluate = compileNode(ast);
    return (vars) => evaluate({ vars, focus: [{}] });
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

function child(node: AstNode, i = 0): AstNode {
  const c = node.children?.[i];
  if (!c) throw new Unsupported(`${node.type} without operand ${i}`);
  return c;
}

function identifierName(node: AstNode): string {
  const text = node.text ?? '';
  if (text.startsWith('`') && text.endsWith('`')) return text.slice(1, -1);
  if (text.startsWith("'") || text.includes('\\')) throw new Unsupported('quoted identifiers');
  return text;
}

function toCollection(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined);
  return [value];
}

function member(items: unknown[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object') continue;
    // FHIR resources carry typed semantics (choice types, primitives with extensions): leave them to fhirpath.js.
    if ('resourceType' in item) throw AT_RUN_TIME;
    const value = (item as Record<string, unknown>)[name];
    if (Array.isArray(value)) {
      for (const v of value) if (v !== null && v !== undefined) out.push(v);
    } else if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** A singleton boolean, or null for empty; anything else is outside the subset. */
function asBoolean(values: unknown[]): boolean | null {
  if (values.length === 0) return null;
  if (values.length === 1 && typeof values[0] === 'boolean') return values[0];
  throw AT_RUN_TIME;
}

function isPrimitive(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function same(a: unknown, b: unknown): boolean {
  if (isPrimitive(a) && isPrimitive(b)) return a === b;
  throw AT_RUN_TIME;
}

function singleString(values: unknown[]): string | undefined {
  const v = singleton(values);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw AT_RUN_TIME;
  return v;
}

/** `matches()` as fhirpath.js runs it: a JavaScript RegExp with the u and s flags, compiled once per pattern. */
const REGEX_CACHE = new Map<string, RegExp>();
function regexFor(pattern: string): RegExp {
  let re = REGEX_CACHE.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'us');
    REGEX_CACHE.set(pattern, re);
  }
  return re;
}

function singleton(values: unknown[]): unknown {
  if (values.length > 1) throw AT_RUN_TIME;
  return values[0];
}

function literal(node: AstNode): Evaluator {
  const text = node.text ?? '';
  switch (node.type) {
    case 'StringLiteral': {
      if (text.slice(1, -1).includes('\\')) throw new Unsupported('escapes in strings');
      const value = text.slice(1, -1);
      return () => [value];
    }
    case 'NumberLiteral': {
      const value = Number(text);
      return () => [value];
    }
    case 'BooleanLiteral': {
      const value = text === 'true';
      return () => [value];
    }
    case 'NullLiteral':
      return () => [];
    default:
      throw new Unsupported(node.type);
  }
}

function compileFunction(node: AstNode): (input: unknown[], scope: Scope) => unknown[] {
  const functn = child(node);
  const name = identifierName(child(functn));
  const params = functn.children?.[1]?.children?.map(compileNode) ?? [];
  const arity = (n: number): void => {
    if (params.length !== n) throw new Unsupported(`${name} with ${params.length} arguments`);
  };
  const criterion = (p: Evaluator, scope: Scope, item: unknown): boolean => asBoolean(p({ vars: scope.vars, focus: [item] })) === true;
  switch (name) {
    case 'exists':
      if (params.length === 1) return (input, scope) => [input.some((item) => criterion(params[0]!, scope, item))];
      arity(0);
      return (input) => [input.length > 0];
    case 'empty':
      arity(0);
      return (input) => [input.length === 0];
    case 'count':
      arity(0);
      return (input) => [input.length];
    case 'not':
      arity(0);
      return (input) => {
        const b = asBoolean(input);
        return b === null ? [] : [!b];
      };
    case 'first':
      arity(0);
      return (input) => input.slice(0, 1);
    case 'last':
      arity(0);
      return (input) => input.slice(-1);
    case 'where':
      arity(1);
      return (input, scope) => input.filter((item) => criterion(params[0]!, scope, item));
    case 'select':
      arity(1);
      return (input, scope) => input.flatMap((item) => params[0]!({ vars: scope.vars, focus: [item] }));
    case 'all':
      arity(1);
      return (input, scope) => [input.every((item) => criterion(params[0]!, scope, item))];
    case 'iif': {
      if (params.length !== 2 && params.length !== 3) throw new Unsupported('iif arity');
      return (input, scope) => {
        const inner = { vars: scope.vars, focus: input };
        const condition = asBoolean(params[0]!(inner));
        if (condition === true) return params[1]!(inner);
        return params[2] ? params[2](inner) : [];
      };
    }
    case 'lower':
    case 'upper':
    case 'length':
      arity(0);
      return (input) => {
        const str = singleString(input);
        if (str === undefined) return [];
        return [name === 'lower' ? str.toLowerCase() : name === 'upper' ? str.toUpperCase() : str.length];
      };
    case 'startsWith':
    case 'endsWith':
    case 'matches':
      arity(1);
      return (input, scope) => {
        const str = singleString(input);
        // The argument is evaluated against the root, as fhirpath.js does for function parameters.
        const arg = singleString(params[0]!({ vars: scope.vars, focus: scope.focus }));
        if (str === undefined || arg === undefined) return [];
        if (name === 'startsWith') return [str.startsWith(arg)];
        if (name === 'endsWith') return [str.endsWith(arg)];
        return [regexFor(arg).test(str)];
      };
    default:
      throw new Unsupported(`function ${name}()`);
  }
}

function union(a: unknown[], b: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of [...a, ...b]) if (!out.some((o) => same(o, v))) out.push(v);
  return out;
}

function compileNode(node: AstNode): Evaluator {
  switch (node.type) {
    case 'EntireExpression':
    case 'TermExpression':
    case 'ParenthesizedTerm':
      return compileNode(child(node));
    case 'LiteralTerm':
      return literal(child(node));
    case 'ExternalConstantTerm': {
      const name = identifierName(child(child(node)));
      return (scope) => {
        if (!(name in scope.vars)) throw AT_RUN_TIME;
        return toCollection(scope.vars[name]);
      };
    }
    case 'InvocationTerm': {
      const invocation = child(node);
      if (invocation.type === 'ThisInvocation') return (scope) => scope.focus;
      if (invocation.type === 'MemberInvocation') {
        const name = identifierName(child(invocation));
        return (scope) => member(scope.focus, name);
      }
      if (invocation.type === 'FunctionInvocation') {
        const fn = compileFunction(invocation);
        return (scope) => fn(scope.focus, scope);
      }
      throw new Unsupported(invocation.type);
    }
    case 'InvocationExpression': {
      const base = compileNode(child(node, 0));
      const invocation = child(node, 1);
      if (invocation.type === 'MemberInvocation') {
        const name = identifierName(child(invocation));
        return (scope) => member(base(scope), name);
      }
      if (invocation.type === 'FunctionInvocation') {
        const fn = compileFunction(invocation);
        return (scope) => fn(base(scope), scope);
      }
      throw new Unsupported(invocation.type);
    }
    case 'EqualityExpression': {
      const [left, right] = [compileNode(child(node, 0)), compileNode(child(node, 1))];
      if (node.text !== '=' && node.text !== '!=') throw new Unsupported(`operator ${node.text}`);
      const negate = node.text === '!=';
      return (scope) => {
        const a = left(scope);
        const b = right(scope);
        if (a.length === 0 || b.length === 0) return [];
        const equal = a.length === b.length && a.every((v, i) => same(v, b[i]));
        return [negate ? !equal : equal];
      };
    }
    case 'InequalityExpression': {
      const [left, right] = [compileNode(child(node, 0)), compileNode(child(node, 1))];
      const op = node.text;
      return (scope) => {
        const a = singleton(left(scope));
        const b = singleton(right(scope));
        if (a === undefined || b === undefined) return [];
        const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
        if (!comparable) throw AT_RUN_TIME;
        switch (op) {
          case '<':
            return [a < b];
          case '<=':
            return [a <= b];
          case '>':
            return [a > b];
          case '>=':
            return [a >= b];
          default:
            throw new Unsupported(`operator ${op}`);
        }
      };
    }
    case 'AndExpression': {
      const [left, right] = [compileNode(child(node, 0)), compileNode(child(node, 1))];
      return (scope) => {
        const a = asBoolean(left(scope));
        const b = asBoolean(right(scope));
        if (a === false || b === false) return [false];
        return a === true && b === true ? [true] : [];
      };
    }
    case 'OrExpression': {
      if (node.text !== 'or') throw new Unsupported(`operator ${node.text}`);
      const [left, right] = [compileNode(child(node, 0)), compileNode(child(node, 1))];
      return (scope) => {
        const a = asBoolean(left(scope));
        const b = asBoolean(right(scope));
        if (a === true || b === true) return [true];
        return a === false && b === false ? [false] : [];
      };
    }
    case 'UnionExpression': {
      const [left, right] = [compileNode(child(node, 0)), compileNode(child(node, 1))];
      return (scope) => union(left(scope), right(scope));
    }
    case 'MembershipExpression': {
      const [left, right] = [compileNode(child(node, 0)), compileNode(child(node, 1))];
      const contains = node.text === 'contains';
      if (node.text !== 'in' && !contains) throw new Unsupported(`operator ${node.text}`);
      return (scope) => {
        const [items, collection] = contains ? [right(scope), left(scope)] : [left(scope), right(scope)];
        if (items.length === 0) return [];
        const item = singleton(items);
        return [collection.some((c) => same(c, item))];
      };
    }
    case 'AdditiveExpression': {
      const [left, right] = [compileNode(child(node, 0)), compileNode(child(node, 1))];
      if (node.text !== '+' && node.text !== '-') throw new Unsupported(`operator ${node.text}`);
      const minus = node.text === '-';
      return (scope) => {
        const a = singleton(left(scope));
        const b = singleton(right(scope));
        if (a === undefined || b === undefined) return [];
        if (typeof a !== 'number' || typeof b !== 'number') throw AT_RUN_TIME;
        return [minus ? a - b : a + b];
      };
    }
    case 'PolarityExpression': {
      const operand = compileNode(child(node));
      const minus = node.text === '-';
      return (scope) => {
        const v = singleton(operand(scope));
        if (v === undefined) return [];
        if (typeof v !== 'number') throw AT_RUN_TIME;
        return [minus ? -v : v];
      };
    }
    default:
      throw new Unsupported(node.type);
  }
}
