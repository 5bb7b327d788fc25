// Request validation against the vendors' own API documents in specs/.
//
// Sources, per API:
// - jumpcloud-v1: specs/jumpcloud/jcapi-powershell/JumpCloud.SDK.V1.json (newest, Swagger 2)
//   merged with specs/jumpcloud/baton-jumpcloud/jcapi1/openapi.yaml (2023, keeps parameters the
//   SDK transform dropped, e.g. the query parameters of POST /search/*). A parameter declared in
//   either document is accepted.
// - jumpcloud-v2: specs/jumpcloud/jcapi-powershell/JumpCloud.SDK.V2.json.
// - assets: specs/assets/assets-api.swagger.v3.1.135.77.json (OpenAPI 3).
// - jira-platform: a hand-copied excerpt (below) of the Jira Cloud REST v3 / JSM references for
//   the three Jira routes the Assets emulator serves; no vendor file for them is in specs/.
//
// The JSON-schema checker covers: type (incl. integer vs number), nullable / x-nullable,
// required, properties, additionalProperties (false or a schema), items, enum, oneOf / anyOf
// (valid if any branch is), allOf, $ref, minimum / maximum, minLength / maxLength,
// minItems / maxItems. It does NOT check: format, pattern, discriminator, readOnly /
// writeOnly, uniqueItems, dependencies, or headers. Query values are checked against the
// parameter's declared type (integer / number / boolean / string / array with its
// collectionFormat), enum, minimum / maximum, and a "Limited to N." in the description is
// read as maximum N (that is how JumpCloud documents its limit cap).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const SPECS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../specs');

/**
 * The Jira platform / JSM operations a sync needs. Their vendor documents are not in specs/, so
 * this is a hand-copied excerpt of the published Jira Cloud REST v3 and JSM REST references
 * (parameters and request bodies only).
 */
const JIRA_PLATFORM_EXCERPT = {
  openapi: '3.0.1',
  paths: {
    '/rest/servicedeskapi/assets/workspace': {
      get: {
        parameters: [
          { name: 'start', in: 'query', schema: { type: 'integer' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
        ],
      },
    },
    '/rest/api/3/user/search': {
      get: {
        parameters: [
          { name: 'query', in: 'query', schema: { type: 'string' } },
          { name: 'username', in: 'query', schema: { type: 'string' } },
          { name: 'accountId', in: 'query', schema: { type: 'string' } },
          { name: 'startAt', in: 'query', schema: { type: 'integer', default: 0 } },
          { name: 'maxResults', in: 'query', schema: { type: 'integer', default: 50 } },
          { name: 'property', in: 'query', schema: { type: 'string' } },
        ],
      },
    },
    '/rest/api/3/permissions/check': {
      post: {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  accountId: { type: 'string' },
                  globalPermissions: { type: 'array', items: { type: 'string' } },
                  projectPermissions: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['permissions'],
                      properties: {
                        issues: { type: 'array', items: { type: 'integer' } },
                        projects: { type: 'array', items: { type: 'integer' } },
                        permissions: { type: 'array', items: { type: 'string' } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const SOURCES = {
  'jumpcloud-v1': [
    { file: 'jumpcloud/jcapi-powershell/JumpCloud.SDK.V1.json' },
    { file: 'jumpcloud/baton-jumpcloud/jcapi1/openapi.yaml' },
  ],
  'jumpcloud-v2': [{ file: 'jumpcloud/jcapi-powershell/JumpCloud.SDK.V2.json' }],
  assets: [{ file: 'assets/assets-api.swagger.v3.1.135.77.json' }],
  'jira-platform': [{ inline: JIRA_PLATFORM_EXCERPT }],
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const loaded = new Map();

async function loadDocument(file) {
  const text = readFileSync(path.join(SPECS_DIR, file), 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text);
  const { parse } = await import('yaml');
  return parse(text);
}

function resolveRef(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
  let node = doc;
  for (const part of ref.slice(2).split('/')) {
    node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node;
}

/** Turns a Swagger 2 or OpenAPI 3 parameter into {name, in, required, schema, collection}. */
function normaliseParameter(doc, raw) {
  const param = raw.$ref ? resolveRef(doc, raw.$ref) : raw;
  if (param.in === 'body') return { name: param.name, in: 'body', schema: param.schema, doc };
  const schema = param.schema ? { ...(param.schema.$ref ? resolveRef(doc, param.schema.$ref) : param.schema) } : {
    type: param.type,
    items: param.items,
    enum: param.enum,
    minimum: param.minimum,
    maximum: param.maximum,
    default: param.default,
  };
  const limited = /Limited to (\d+)/.exec(param.description ?? '');
  if (limited && schema.maximum === undefined) schema.maximum = Number(limited[1]);
  let collection = param.collectionFormat ?? 'csv';
  if (param.schema) collection = param.explode === false ? 'csv' : 'multi';
  return { name: param.name, in: param.in, required: !!param.required, schema, collection, doc };
}

function operationsOf(doc) {
  const ops = new Map();
  for (const [specPath, item] of Object.entries(doc.paths ?? {})) {
    const shared = (item.parameters ?? []).map((p) => normaliseParameter(doc, p));
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = new Map();
      let body = null;
      for (const p of [...shared, ...(op.parameters ?? []).map((x) => normaliseParameter(doc, x))]) {
        if (p.in === 'body') body = { schema: p.schema, doc };
        else params.set(`${p.in}:${p.name}`, p);
      }
      const json = op.requestBody?.content?.['application/json'];
      if (json?.schema) body = { schema: json.schema, doc, required: !!op.requestBody.required };
      ops.set(`${method.toUpperCase()} ${specPath}`, { method: method.toUpperCase(), path: specPath, params, body, doc });
    }
  }
  return ops;
}

/** Loads (once per process) the operations of one API: Map "METHOD /path" -> operation. */
export async function loadSpec(api) {
  if (loaded.has(api)) return loaded.get(api);
  const sources = SOURCES[api];
  if (!sources) throw new Error(`unknown API "${api}" (expected ${Object.keys(SOURCES).join(', ')})`);
  const promise = (async () => {
    let merged = null;
    for (const source of sources) {
      const ops = operationsOf(source.inline ?? (await loadDocument(source.file)));
      if (!merged) {
        merged = ops;
        continue;
      }
      for (const [key, op] of ops) {
        const base = merged.get(key);
        if (!base) continue; // a supplement never adds operations the newest spec dropped
        for (const [name, param] of op.params) if (!base.params.has(name)) base.params.set(name, param);
      }
    }
    return merged;
  })();
  loaded.set(api, promise);
  return promise;
}

// ---------------------------------------------------------------------------------------------
// JSON-schema subset

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Returns a list of problems ("at $.a.b: expected string, got number"). */
export function checkSchema(doc, schema, value, where = '$', depth = 0) {
  if (!schema || depth > 64) return [];
  if (schema.$ref) return checkSchema(doc, resolveRef(doc, schema.$ref), value, where, depth + 1);
  const problems = [];
  if (schema.allOf) for (const part of schema.allOf) problems.push(...checkSchema(doc, part, value, where, depth + 1));
  for (const key of ['oneOf', 'anyOf']) {
    if (!schema[key]) continue;
    const ok = schema[key].some((branch) => checkSchema(doc, branch, value, where, depth + 1).length === 0);
    if (!ok) problems.push(`at ${where}: value matches none of the ${key} alternatives`);
  }
  if (value === null) {
    if (schema.nullable || schema['x-nullable'] || schema.type === 'null' || !schema.type) return problems;
    return [...problems, `at ${where}: null is not allowed`];
  }
  const actual = typeOf(value);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return [...problems, `at ${where}: expected ${types.join(' or ')}, got ${actual}`];
  }
  if (schema.enum && !schema.enum.some((candidate) => candidate === value)) {
    problems.push(`at ${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (actual === 'integer' || actual === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`at ${where}: ${value} is below the minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`at ${where}: ${value} is above the maximum ${schema.maximum}`);
  }
  if (actual === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`at ${where}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`at ${where}: longer than ${schema.maxLength}`);
  }
  if (actual === 'array') {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`at ${where}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`at ${where}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...checkSchema(doc, schema.items, item, `${where}[${i}]`, depth + 1)));
  }
  if (actual === 'object') {
    for (const name of schema.required ?? []) {
      if (!(name in value)) problems.push(`at ${where}: missing required property "${name}"`);
    }
    const properties = schema.properties ?? {};
    for (const [name, item] of Object.entries(value)) {
      if (properties[name]) problems.push(...checkSchema(doc, properties[name], item, `${where}.${name}`, depth + 1));
      else if (schema.additionalProperties === false) problems.push(`at ${where}: property "${name}" is not allowed`);
      else if (typeof schema.additionalProperties === 'object') {
        problems.push(...checkSchema(doc, schema.additionalProperties, item, `${where}.${name}`, depth + 1));
      }
    }
  }
  return problems;
}

function checkQueryValue(param, raw, label) {
  const schema = param.schema ?? {};
  const scalar = (type, text, where) => {
    if (type === 'integer') {
      if (!/^-?\d+$/.test(text)) return [`${where}: "${text}" is not an integer`];
      return checkSchema(param.doc, { ...schema, type: 'integer', items: undefined }, Number(text), where);
    }
    if (type === 'number') {
      if (text.trim() === '' || Number.isNaN(Number(text))) return [`${where}: "${text}" is not a number`];
      return checkSchema(param.doc, { ...schema, type: 'number' }, Number(text), where);
    }
    if (type === 'boolean') return text === 'true' || text === 'false' ? [] : [`${where}: "${text}" is not true or false`];
    if (schema.enum && !schema.enum.includes(text)) return [`${where}: "${text}" is not one of ${JSON.stringify(schema.enum)}`];
    return [];
  };
  if (schema.type === 'array') {
    const itemType = (schema.items?.$ref ? resolveRef(param.doc, schema.items.$ref) : schema.items)?.type ?? 'string';
    const parts = param.collection === 'csv' ? raw.split(',') : [raw];
    return parts.flatMap((part) => scalar(itemType, part, label));
  }
  return scalar(schema.type ?? 'string', raw, label);
}

/** Strips the bracket suffixes JumpCloud documents for filters (`filter[0]`, `filter[or][1]`). */
function baseParamName(name) {
  const bracket = name.indexOf('[');
  return bracket > 0 ? name.slice(0, bracket) : name;
}

/**
 * A validator for one emulator. `spec` on a route is `{api, path}` (path as written in the
 * vendor document, e.g. "/systemusers/{id}").
 */
export async function createValidator(apis) {
  const byApi = new Map();
  for (const api of apis) byApi.set(api, await loadSpec(api));
  return {
    /** The operation a route claims, or undefined. */
    operation(spec, method) {
      return byApi.get(spec.api)?.get(`${method} ${spec.path}`);
    },
    /** Problems with one request; empty when the spec accepts it. */
    validate({ spec, req, query, body, rawBody }) {
      const op = this.operation(spec, req.method);
      if (!op) return [`${req.method} ${spec.path} is not an operation of the ${spec.api} spec`];
      const problems = [];
      const seen = new Set();
      for (const name of new Set(query.keys())) {
        const base = baseParamName(name);
        const param = op.params.get(`query:${name}`) ?? op.params.get(`query:${base}`);
        if (!param) {
          problems.push(`query parameter "${name}" is not declared for ${req.method} ${spec.path}`);
          continue;
        }
        seen.add(param.name);
        const values = query.getAll(name);
        if (values.length > 1 && param.schema?.type !== 'array') {
          problems.push(`query parameter "${name}" is repeated but is not an array parameter`);
        }
        for (const raw of values) problems.push(...checkQueryValue(param, raw, `query parameter "${name}"`));
      }
      for (const param of op.params.values()) {
        if (param.in === 'query' && param.required && !seen.has(param.name)) {
          problems.push(`required query parameter "${param.name}" is missing`);
        }
        if (param.in === 'header' && param.required && req.headers[param.name.toLowerCase()] === undefined) {
          problems.push(`required header "${param.name}" is missing`);
        }
      }
      if (op.body) {
        if (rawBody.length === 0) {
          if (op.body.required) problems.push('request body is required');
        } else {
          problems.push(...checkSchema(op.body.doc, op.body.schema, body, 'body').map((p) => `request ${p}`));
        }
      } else if (rawBody.length) {
        problems.push(`${req.method} ${spec.path} takes no request body`);
      }
      return problems;
    },
  };
}
