// JumpCloud list semantics: v1 / v2 filters, search-body filters, sort, field projection and
// paging, as the v1 and v2 API documents describe them.
import { HttpError } from './http.js';

const V1_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte']);
const V2_OPERATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'search']);
// `gte` is the System Insights uptime table's spelling of `ge`.
const V2_TO_COMPARE = { eq: '$eq', ne: '$ne', gt: '$gt', ge: '$gte', gte: '$gte', lt: '$lt', le: '$lte' };

/** Every value at a dotted path, descending into arrays the way Mongo does. */
export function valuesAt(record, path) {
  let current = [record];
  for (const part of path.split('.')) {
    const next = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object') continue;
      if (Array.isArray(item) && !/^\d+$/.test(part)) {
        for (const element of item) if (element && typeof element === 'object') next.push(element[part]);
      } else next.push(item[part]);
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== undefined);
}

/** Compares a stored value with a filter's text, coercing the text to the stored value's type. */
function compare(stored, op, text) {
  let left = stored;
  let right = text;
  if (typeof stored === 'boolean') right = text === 'true' ? true : text === 'false' ? false : text;
  else if (typeof stored === 'number') right = text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
  else if (stored === null) left = 'null';
  if (typeof left !== typeof right) return op === '$ne';
  switch (op) {
    case '$eq':
      return left === right;
    case '$ne':
      return left !== right;
    case '$gt':
      return left > right;
    case '$gte':
      return left >= right;
    case '$lt':
      return left < right;
    case '$lte':
      return left <= right;
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

/** Does the condition hold for the record? `$ne` holds when no value equals (Mongo semantics). */
function holds(record, { field, op, value, values, pattern }) {
  const stored = valuesAt(record, field);
  if (op === '$ne') return stored.every((v) => compare(v, '$ne', value));
  if (op === 'in') return stored.some((v) => values.some((candidate) => compare(v, '$eq', candidate)));
  if (op === 'search') return stored.some((v) => typeof v === 'string' && v.toLowerCase().includes(value.toLowerCase()));
  if (pattern) return stored.some((v) => typeof v === 'string' && pattern.test(v));
  return stored.some((v) => compare(v, op, value));
}

function splitFilter(text, where) {
  const first = text.indexOf(':');
  const second = first < 0 ? -1 : text.indexOf(':', first + 1);
  if (first <= 0 || second < 0) {
    throw new HttpError(400, `${where}: "${text}" is not of the form <field>:<operator>:<value>`);
  }
  return { field: text.slice(0, first), op: text.slice(first + 1, second), value: text.slice(second + 1) };
}

/** Parses v1 `filter`, `filter[n]`, `filter[and][n]` (AND) and `filter[or][n]` (OR) parameters. */
export function parseV1Filters(query) {
  const and = [];
  const or = [];
  for (const [name, text] of query) {
    let target;
    if (name === 'filter' || /^filter\[\d+\]$/.test(name) || /^filter\[and\]\[\d+\]$/.test(name)) target = and;
    else if (/^filter\[or\]\[\d+\]$/.test(name)) target = or;
    else if (name.startsWith('filter')) throw new HttpError(400, `unsupported filter parameter "${name}"`);
    else continue;
    if (text === '') continue; // an empty filter constrains nothing
    const condition = splitFilter(text, name);
    if (!V1_OPERATORS.has(condition.op)) {
      throw new HttpError(400, `${name}: unsupported operator "${condition.op}" (v1 operators are ${[...V1_OPERATORS].join(' ')})`);
    }
    target.push(condition);
  }
  return (record) => and.every((c) => holds(record, c)) && (or.length === 0 || or.some((c) => holds(record, c)));
}

function globToRegex(text) {
  return new RegExp(`^${text.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Parses v2 `filter=field:op:value` parameters (repeats are ANDed). `allowedFields` limits fields. */
export function parseV2Filters(query, { allowedFields, operators = V2_OPERATORS } = {}) {
  const conditions = query.getAll('filter').flatMap((text) => {
    if (text === '') return [];
    const { field, op, value } = splitFilter(text, 'filter');
    if (!operators.has(op)) {
      throw new HttpError(400, `filter: unsupported operator "${op}" (supported here: ${[...operators].join(', ')})`);
    }
    if (allowedFields && !allowedFields.includes(field)) {
      throw new HttpError(400, `filter: "${field}" cannot be filtered on here (valid fields: ${allowedFields.join(', ')})`);
    }
    if (op === 'in') return [{ field, op, values: value.split('|') }];
    if (op === 'search') return [{ field, op, value }];
    if (op === 'eq' && value.includes('*')) return [{ field, op: '$eq', value, pattern: globToRegex(value) }];
    return [{ field, op: V2_TO_COMPARE[op], value }];
  });
  return (record) => conditions.every((c) => holds(record, c));
}

/**
 * The `filter` object of a POST /search/* body: `{and: [expr]}`, `{or: [expr]}`, or a plain
 * object whose keys all must match. An expression is `{field: value}` or
 * `{field: {$op: value}}` with $eq $ne $gt $gte $lt $lte $in $regex.
 */
export function parseSearchFilter(filter) {
  if (filter === undefined || filter === null) return () => true;
  const expression = (expr, where) => {
    if (!expr || typeof expr !== 'object' || Array.isArray(expr)) throw new HttpError(400, `${where} must be an object`);
    const tests = Object.entries(expr).map(([field, condition]) => {
      if (condition && typeof condition === 'object' && !Array.isArray(condition)) {
        const [[op, operand], ...rest] = Object.entries(condition);
        if (rest.length) throw new HttpError(400, `${where}.${field}: one operator per expression`);
        if (op === '$in') {
          if (!Array.isArray(operand)) throw new HttpError(400, `${where}.${field}.$in must be an array`);
          return (r) => valuesAt(r, field).some((v) => operand.some((o) => v === o));
        }
        if (op === '$regex') {
          const inline = /^\(\?i\)/.test(operand);
          let regex;
          try {
            regex = new RegExp(String(operand).replace(/^\(\?i\)/, ''), inline ? 'i' : '');
          } catch (error) {
            throw new HttpError(400, `${where}.${field}.$regex: ${error.message}`);
          }
          return (r) => valuesAt(r, field).some((v) => typeof v === 'string' && regex.test(v));
        }
        if (!V1_OPERATORS.has(op)) throw new HttpError(400, `${where}.${field}: unsupported operator "${op}"`);
        return (r) => holds(r, { field, op, value: String(operand) });
      }
      return (r) => (condition === null ? valuesAt(r, field).every((v) => v === null) : valuesAt(r, field).some((v) => v === condition));
    });
    return (r) => tests.every((t) => t(r));
  };
  if (Array.isArray(filter)) {
    const all = filter.map((e, i) => expression(e, `filter[${i}]`));
    return (r) => all.every((t) => t(r));
  }
  if (typeof filter !== 'object') throw new HttpError(400, 'filter must be an object');
  const keys = Object.keys(filter);
  if (keys.length === 1 && (keys[0] === 'and' || keys[0] === 'or')) {
    const list = filter[keys[0]];
    if (!Array.isArray(list)) throw new HttpError(400, `filter.${keys[0]} must be an array`);
    const tests = list.map((e, i) => expression(e, `filter.${keys[0]}[${i}]`));
    return keys[0] === 'and' ? (r) => tests.every((t) => t(r)) : (r) => tests.some((t) => t(r));
  }
  return expression(filter, 'filter');
}

/** `searchFilter: {searchTerm: string | string[], fields: string[]}`: partial, case-insensitive. */
export function parseSearchTerm(searchFilter) {
  if (!searchFilter) return () => true;
  const terms = [].concat(searchFilter.searchTerm ?? []).map((t) => String(t).toLowerCase());
  const fields = searchFilter.fields;
  if (!Array.isArray(fields) || fields.length === 0) throw new HttpError(400, 'searchFilter.fields must be a non-empty array');
  if (terms.length === 0) return () => true;
  return (r) => fields.some((f) => valuesAt(r, f).some((v) => typeof v === 'string' && terms.some((t) => v.toLowerCase().includes(t))));
}

/** Sorts by `-a b` (v1, space separated) or `-a,b` (v2, comma separated); ties keep natural order. */
export function sortRecords(records, text, separator) {
  const keys = (text ?? '').split(separator).map((k) => k.trim()).filter(Boolean);
  if (keys.length === 0) return records;
  const order = keys.map((key) => (key.startsWith('-') ? { field: key.slice(1), dir: -1 } : { field: key, dir: 1 }));
  const indexed = records.map((record, index) => ({ record, index }));
  indexed.sort((a, b) => {
    for (const { field, dir } of order) {
      const x = valuesAt(a.record, field)[0];
      const y = valuesAt(b.record, field)[0];
      if (x === y) continue;
      if (x === undefined || x === null) return 1; // missing values last, whichever direction
      if (y === undefined || y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    }
    return a.index - b.index;
  });
  return indexed.map((x) => x.record);
}

/** Projects records onto `fields` (dotted paths allowed); `idField` is always kept. */
export function projectFields(record, fields, idField) {
  if (!fields || fields.length === 0) return record;
  const out = { [idField]: record[idField] };
  for (const field of fields) {
    const parts = field.split('.');
    let source = record;
    let target = out;
    for (let i = 0; i < parts.length; i += 1) {
      if (source === null || source === undefined || typeof source !== 'object') break;
      const part = parts[i];
      if (!(part in source)) break;
      if (i === parts.length - 1) target[part] = structuredClone(source[part]);
      else {
        if (Array.isArray(source[part])) {
          target[part] = structuredClone(source[part]);
          break;
        }
        target[part] ??= {};
        target = target[part];
      }
      source = source[part];
    }
  }
  return out;
}

export function splitList(text, separator) {
  return (text ?? '').split(separator).map((f) => f.trim()).filter(Boolean);
}
