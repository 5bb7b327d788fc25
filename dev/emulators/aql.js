// The AQL subset the emulator understands. Anything outside it is an AqlError (a 400), never
// a silently wrong answer.
//
//   query     := or-expr [ORDER BY operand [ASC | DESC]]
//   or-expr   := and-expr (OR and-expr)*
//   and-expr  := primary (AND primary)*
//   primary   := "(" or-expr ")" | clause
//   clause    := operand ("=" | "==" | "!=" | LIKE) value
//              | operand [NOT] IN "(" value ("," value)* ")"
//              | operand IS [NOT] EMPTY
//   operand   := objectType | objectTypeId | objectSchema | objectSchemaId | Key | objectKey
//              | objectId | label | <attribute name, bare or "quoted">
//   value     := "quoted, with \" and \\ escapes" | bare-word | number
//
// "=" / IN / LIKE compare case-insensitively ("AQL is not case-sensitive"); "==" is the
// case-sensitive equality. Keywords are case-insensitive. A reference attribute matches on the
// referenced object's label or key, a Status on its name, a User on accountId or display name.

export class AqlError extends Error {}

const KEYWORDS = new Set(['AND', 'OR', 'IN', 'NOT', 'IS', 'EMPTY', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC']);
const SPECIAL = new Set(['objecttype', 'objecttypeid', 'objectschema', 'objectschemaid', 'key', 'objectkey', 'objectid', 'label']);

function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const start = i;
    if (ch === '"') {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw new AqlError(`unterminated quoted string starting at position ${start}`);
        const c = text[i];
        if (c === '\\') {
          const next = text[i + 1];
          if (next !== '"' && next !== '\\') throw new AqlError(`unsupported escape "\\${next ?? ''}" at position ${i}`);
          value += next;
          i += 2;
          continue;
        }
        if (c === '"') {
          i += 1;
          break;
        }
        value += c;
        i += 1;
      }
      tokens.push({ kind: 'string', value, at: start });
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, at: start });
      i += 1;
      continue;
    }
    const op = /^(==|!=|<=|>=|=|<|>|~)/.exec(text.slice(i));
    if (op) {
      tokens.push({ kind: 'op', value: op[1], at: start });
      i += op[1].length;
      continue;
    }
    const word = /^[^\s()=!<>,"~]+/.exec(text.slice(i));
    if (!word) throw new AqlError(`unexpected character "${ch}" at position ${i}`);
    const value = word[0];
    i += value.length;
    if (text[i] === '(' && !KEYWORDS.has(value.toUpperCase())) {
      throw new AqlError(`AQL function ${value}() is not supported by the emulator (position ${start})`);
    }
    const upper = value.toUpperCase();
    tokens.push(KEYWORDS.has(upper) ? { kind: 'keyword', value: upper, at: start } : { kind: 'word', value, at: start });
  }
  return tokens;
}

/** Parses AQL into a tree; throws AqlError naming the problem and its position. */
export function parseAql(text) {
  if (typeof text !== 'string' || text.trim() === '') throw new AqlError('qlQuery must be a non-empty string');
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const describe = (t) => (t ? `"${t.value ?? t.kind}" at position ${t.at}` : 'end of query');
  const isKeyword = (word) => peek()?.kind === 'keyword' && peek().value === word;
  const expectKeyword = (word) => {
    if (!isKeyword(word)) throw new AqlError(`expected ${word} but found ${describe(peek())}`);
    pos += 1;
  };

  const operand = () => {
    const token = peek();
    if (!token || (token.kind !== 'word' && token.kind !== 'string')) {
      throw new AqlError(`expected an attribute name but found ${describe(token)}`);
    }
    pos += 1;
    if (token.kind === 'word' && token.value.includes('.')) {
      throw new AqlError(`dot notation "${token.value}" (reference traversal) is not supported by the emulator`);
    }
    if (token.kind === 'string' && peek()?.kind === 'word' && peek().value.startsWith('.')) {
      throw new AqlError(`dot notation after "${token.value}" (reference traversal) is not supported by the emulator`);
    }
    const special = token.kind === 'word' && SPECIAL.has(token.value.toLowerCase());
    return special ? { special: token.value.toLowerCase() } : { attribute: token.value, at: token.at };
  };

  const value = () => {
    const token = peek();
    if (!token || (token.kind !== 'word' && token.kind !== 'string')) {
      throw new AqlError(`expected a value but found ${describe(token)}`);
    }
    pos += 1;
    return token.value;
  };

  const clause = () => {
    const lhs = operand();
    const token = peek();
    if (token?.kind === 'op') {
      if (!['=', '==', '!='].includes(token.value)) {
        throw new AqlError(`operator "${token.value}" is not supported by the emulator (position ${token.at})`);
      }
      pos += 1;
      return { type: 'compare', lhs, op: token.value, value: value() };
    }
    if (isKeyword('LIKE')) {
      pos += 1;
      return { type: 'compare', lhs, op: 'LIKE', value: value() };
    }
    let negate = false;
    if (isKeyword('NOT')) {
      pos += 1;
      negate = true;
    }
    if (isKeyword('IN')) {
      pos += 1;
      if (peek()?.kind !== '(') throw new AqlError(`expected "(" after IN but found ${describe(peek())}`);
      pos += 1;
      const values = [value()];
      while (peek()?.kind === ',') {
        pos += 1;
        values.push(value());
      }
      if (peek()?.kind !== ')') throw new AqlError(`expected ")" to close the IN list but found ${describe(peek())}`);
      pos += 1;
      return { type: 'in', lhs, values, negate };
    }
    if (!negate && isKeyword('IS')) {
      pos += 1;
      let empty = true;
      if (isKeyword('NOT')) {
        pos += 1;
        empty = false;
      }
      expectKeyword('EMPTY');
      return { type: 'empty', lhs, empty };
    }
    throw new AqlError(`expected an operator (=, ==, !=, IN, NOT IN, LIKE, IS EMPTY) but found ${describe(peek())}`);
  };

  const primary = () => {
    if (peek()?.kind === '(') {
      pos += 1;
      const inner = orExpr();
      if (peek()?.kind !== ')') throw new AqlError(`expected ")" but found ${describe(peek())}`);
      pos += 1;
      return inner;
    }
    return clause();
  };
  const andExpr = () => {
    const parts = [primary()];
    while (isKeyword('AND')) {
      pos += 1;
      parts.push(primary());
    }
    return parts.length === 1 ? parts[0] : { type: 'and', parts };
  };
  const orExpr = () => {
    const parts = [andExpr()];
    while (isKeyword('OR')) {
      pos += 1;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : { type: 'or', parts };
  };

  let where = null;
  if (!isKeyword('ORDER')) where = orExpr();
  let order = null;
  if (isKeyword('ORDER')) {
    pos += 1;
    expectKeyword('BY');
    order = { lhs: operand(), dir: 1 };
    if (isKeyword('ASC')) pos += 1;
    else if (isKeyword('DESC')) {
      pos += 1;
      order.dir = -1;
    }
  }
  if (pos < tokens.length) throw new AqlError(`unexpected ${describe(peek())}`);
  return { where, order };
}

/**
 * Compiles a parsed query against a workspace.
 * @param {object} tree from parseAql
 * @param {object} world `{attributeExists(name) -> bool, valuesOf(object, lhs) -> string[]}`
 * @returns {{matches(object) -> bool, order: null | {lhs, dir}}}
 */
export function compileAql(tree, world) {
  const checkOperand = (lhs) => {
    if (lhs.attribute !== undefined && !world.attributeExists(lhs.attribute)) {
      throw new AqlError(`attribute "${lhs.attribute}" does not exist in any object type (position ${lhs.at})`);
    }
  };
  const build = (node) => {
    switch (node.type) {
      case 'and': {
        const parts = node.parts.map(build);
        return (o) => parts.every((p) => p(o));
      }
      case 'or': {
        const parts = node.parts.map(build);
        return (o) => parts.some((p) => p(o));
      }
      case 'compare': {
        checkOperand(node.lhs);
        const wanted = node.value.toLowerCase();
        if (node.op === '==') return (o) => world.valuesOf(o, node.lhs).some((v) => v === node.value);
        if (node.op === 'LIKE') return (o) => world.valuesOf(o, node.lhs).some((v) => v.toLowerCase().includes(wanted));
        const equal = (o) => world.valuesOf(o, node.lhs).some((v) => v.toLowerCase() === wanted);
        return node.op === '=' ? equal : (o) => !equal(o);
      }
      case 'in': {
        checkOperand(node.lhs);
        const wanted = new Set(node.values.map((v) => v.toLowerCase()));
        const any = (o) => world.valuesOf(o, node.lhs).some((v) => wanted.has(v.toLowerCase()));
        return node.negate ? (o) => !any(o) : any;
      }
      case 'empty': {
        checkOperand(node.lhs);
        return (o) => (world.valuesOf(o, node.lhs).length === 0) === node.empty;
      }
      default:
        throw new AqlError(`unsupported AQL node ${node.type}`);
    }
  };
  if (tree.order) checkOperand(tree.order.lhs);
  return { matches: tree.where ? build(tree.where) : () => true, order: tree.order };
}
