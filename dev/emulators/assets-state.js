// The Assets workspace the emulator serves: schemas, object types, attributes, statuses and
// objects, with the value rules the Assets API enforces on writes.
import { isIP } from 'node:net';
import { AqlError, compileAql, parseAql } from './aql.js';
import { HttpError } from './http.js';

export const DEFAULT_TYPES = {
  '-1': 'None', 0: 'Text', 1: 'Integer', 2: 'Boolean', 3: 'Double', 4: 'Date', 5: 'Time', 6: 'DateTime',
  7: 'Url', 8: 'Email', 9: 'Textarea', 10: 'Select', 11: 'IP Address',
};
export const ATTRIBUTE_TYPES = { 0: 'Default', 1: 'Object reference', 2: 'User', 4: 'Group', 7: 'Status' };
/** Types whose attributes may hold several values (ObjectTypeAttributeCreate.maximumCardinality). */
const MULTI_VALUE_TYPES = new Set(['Email', 'Select', 'Object reference', 'User', 'Group']);

const EMAIL = /^[^\s@"]+@[^\s@"]+\.[^\s@"]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

/** A 400 in the documented `Errors` shape, keyed by the attribute (or field) at fault. */
export function validationError(field, message) {
  return new HttpError(400, message, { body: { errorMessages: [], errors: { [field]: message } } });
}

/** The most characters a Text value holds (Textarea has no limit). */
const MAX_TEXT_CHARS = 255;

/** Text, Email and URL attributes may carry a regexValidation, matched anywhere in the value. */
function checkPattern(attribute, text, bad) {
  if (attribute.regexValidation && !new RegExp(attribute.regexValidation).test(text)) throw bad(`value (must match ${attribute.regexValidation})`);
}

function isValidDate(text) {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

export class Workspace {
  constructor({ workspaceId, site = 'tributary-emulator', jiraUsers = [], jiraGroups = [], clock = () => new Date() }) {
    this.workspaceId = workspaceId;
    this.site = site;
    this.clock = clock;
    this.nextId = 1;
    this.schemas = new Map();
    this.objectTypes = new Map();
    this.attributes = new Map();
    this.attributesByType = new Map();
    this.objects = new Map();
    this.objectsByKey = new Map();
    this.statuses = new Map();
    this.referenceTypes = new Map();
    this.keyCounters = new Map();
    /** The global icons (GET /icon/global); object types must use one of them. */
    this.icons = new Map([['1', 'Users'], ['2', 'Laptop'], ['3', 'Building'], ['4', 'Group'], ['5', 'Phone']]);
    this.jiraUsers = jiraUsers;
    this.jiraGroups = jiraGroups;
    for (const [name, category] of [['Active', 1], ['Inactive', 0], ['Pending', 2], ['Running', 1], ['Stopped', 0]]) {
      const id = this.#id();
      this.statuses.set(id, { id, name, description: '', category });
    }
    for (const name of ['Dependency', 'Reference', 'Link', 'Installed', 'Owned by']) {
      const id = this.#id();
      this.referenceTypes.set(id, { workspaceId, globalId: `${workspaceId}:${id}`, id, name, description: '', color: '42526E', removable: false });
    }
  }

  #id() {
    return String(this.nextId++);
  }

  now() {
    return this.clock().toISOString();
  }

  statusByName(name) {
    return [...this.statuses.values()].find((s) => s.name.toLowerCase() === name.toLowerCase());
  }

  referenceTypeByName(name) {
    return [...this.referenceTypes.values()].find((r) => r.name.toLowerCase() === name.toLowerCase());
  }

  // ------------------------------------------------------------------------------------------
  // Schema structure

  createSchema({ name, objectSchemaKey, description = '' }) {
    if (!/^[A-Z][A-Z0-9]{1,9}$/.test(objectSchemaKey ?? '')) {
      throw validationError('objectSchemaKey', `objectSchemaKey must be 2-10 upper-case letters or digits, got ${JSON.stringify(objectSchemaKey)}`);
    }
    if ([...this.schemas.values()].some((s) => s.objectSchemaKey === objectSchemaKey)) {
      throw validationError('objectSchemaKey', `an object schema with key ${objectSchemaKey} already exists`);
    }
    const id = this.#id();
    const now = this.now();
    const schema = { id, name, objectSchemaKey, description, status: 'Ok', created: now, updated: now };
    this.schemas.set(id, schema);
    this.keyCounters.set(id, 0);
    return schema;
  }

  createObjectType({ name, description = '', iconId = '1', objectSchemaId, parentObjectTypeId, inherited = false, abstractObjectType = false }) {
    if (typeof name !== 'string' || name.trim() === '') throw validationError('name', 'name is required');
    if (!this.schemas.has(String(objectSchemaId))) throw validationError('objectSchemaId', `object schema ${objectSchemaId} does not exist`);
    const siblings = [...this.objectTypes.values()].filter((t) => t.objectSchemaId === String(objectSchemaId));
    if (siblings.some((t) => t.name.toLowerCase() === name.toLowerCase())) {
      throw validationError('name', `an object type named "${name}" already exists in this schema`);
    }
    if (!this.icons.has(String(iconId))) throw validationError('iconId', `icon ${iconId} does not exist (see GET /icon/global)`);
    if (parentObjectTypeId !== undefined && !this.objectTypes.has(String(parentObjectTypeId))) {
      throw validationError('parentObjectTypeId', `object type ${parentObjectTypeId} does not exist`);
    }
    const id = this.#id();
    const now = this.now();
    const type = {
      id, name, description, iconId: String(iconId), objectSchemaId: String(objectSchemaId), position: siblings.length,
      created: now, updated: now, inherited: !!inherited, abstractObjectType: !!abstractObjectType,
      ...(parentObjectTypeId !== undefined ? { parentObjectTypeId: String(parentObjectTypeId) } : {}),
    };
    this.objectTypes.set(id, type);
    // Every object type starts with the system attributes and a Name label, as in Assets.
    this.#addAttribute(type, { name: 'Key', type: 0, defaultTypeId: 0, system: true, editable: false, minimumCardinality: 1 });
    this.#addAttribute(type, { name: 'Name', type: 0, defaultTypeId: 0, label: true, minimumCardinality: 1, description: 'The name of the object' });
    this.#addAttribute(type, { name: 'Created', type: 0, defaultTypeId: 6, system: true, editable: false, minimumCardinality: 1 });
    this.#addAttribute(type, { name: 'Updated', type: 0, defaultTypeId: 6, system: true, editable: false, minimumCardinality: 1 });
    return type;
  }

  /** The type's attributes in position order (kept per type so AQL scans stay cheap). */
  attributesOf(objectTypeId) {
    return this.attributesByType.get(objectTypeId) ?? [];
  }

  #addAttribute(type, fields) {
    const id = this.#id();
    const attribute = {
      id, objectTypeId: type.id, name: fields.name, description: fields.description ?? '', label: !!fields.label,
      type: fields.type, defaultTypeId: fields.type === 0 ? fields.defaultTypeId : undefined,
      typeValue: fields.typeValue, typeValueMulti: fields.typeValueMulti ?? [], additionalValue: fields.additionalValue,
      editable: fields.editable ?? true, system: !!fields.system, hidden: !!fields.hidden,
      minimumCardinality: fields.minimumCardinality ?? 0, maximumCardinality: fields.maximumCardinality ?? 1,
      uniqueAttribute: !!fields.uniqueAttribute, options: fields.options ?? '', regexValidation: fields.regexValidation ?? '',
      includeChildObjectTypes: !!fields.includeChildObjectTypes, summable: !!fields.summable, suffix: fields.suffix ?? '',
      position: this.attributesOf(type.id).length,
    };
    this.attributes.set(id, attribute);
    if (!this.attributesByType.has(type.id)) this.attributesByType.set(type.id, []);
    this.attributesByType.get(type.id).push(attribute);
    return attribute;
  }

  /** POST /objecttypeattribute/{objectTypeId}: checks the body like Assets does. */
  createAttribute(objectTypeId, body) {
    const type = this.objectTypes.get(String(objectTypeId));
    if (!type) throw new HttpError(404, `object type ${objectTypeId} does not exist`);
    const { name } = body;
    if (typeof name !== 'string' || name.trim() === '') throw validationError('name', 'name is required');
    if (this.attributesOf(type.id).some((a) => a.name.toLowerCase() === name.toLowerCase())) {
      throw validationError('name', `attribute "${name}" already exists on object type ${type.name}`);
    }
    const kind = Number(body.type);
    if (!(kind in ATTRIBUTE_TYPES)) throw validationError('type', `type must be one of 0, 1, 2, 4, 7, got ${JSON.stringify(body.type)}`);
    const fields = { ...body, type: kind };
    if (kind === 0) {
      const defaultTypeId = Number(body.defaultTypeId);
      if (body.defaultTypeId === undefined || !(defaultTypeId in DEFAULT_TYPES) || defaultTypeId === -1) {
        throw validationError('defaultTypeId', `defaultTypeId is mandatory for type Default and must be 0-11, got ${JSON.stringify(body.defaultTypeId)}`);
      }
      fields.defaultTypeId = defaultTypeId;
      if (defaultTypeId === 10 && !String(body.options ?? '').trim()) throw validationError('options', 'a Select attribute needs options');
    }
    if (kind === 1) {
      if (!this.objectTypes.has(String(body.typeValue))) throw validationError('typeValue', `typeValue must name an existing object type, got ${JSON.stringify(body.typeValue)}`);
      if (!this.referenceTypes.has(String(body.additionalValue))) {
        throw validationError('additionalValue', `additionalValue must be a reference type id, got ${JSON.stringify(body.additionalValue)}`);
      }
      fields.typeValue = String(body.typeValue);
      fields.additionalValue = String(body.additionalValue);
    }
    if (kind === 7) fields.typeValueMulti = (body.typeValueMulti ?? []).map(String);
    const min = Number(body.minimumCardinality ?? 0);
    const max = Number(body.maximumCardinality ?? 1);
    const typeName = this.typeName(fields);
    if (!Number.isInteger(min) || min < 0) throw validationError('minimumCardinality', 'minimumCardinality must be a non-negative integer');
    if (!Number.isInteger(max) || (max < 1 && max !== -1)) throw validationError('maximumCardinality', 'maximumCardinality must be -1 (unlimited) or at least 1');
    if (max !== -1 && min > max) throw validationError('minimumCardinality', 'minimumCardinality exceeds maximumCardinality');
    if (max !== 1 && !MULTI_VALUE_TYPES.has(typeName)) {
      throw validationError('maximumCardinality', `a ${typeName} attribute cannot hold more than one value`);
    }
    fields.minimumCardinality = min;
    fields.maximumCardinality = max;
    if (body.label) for (const other of this.attributesOf(type.id)) other.label = false;
    return this.#addAttribute(type, fields);
  }

  /**
   * PUT /objecttypeattribute/{objectTypeId}/{id}: the label, cardinality, description and
   * uniqueness of an attribute (what the app changes; the type itself stays).
   */
  updateAttribute(objectTypeId, id, body) {
    const attribute = this.attributes.get(String(id));
    if (!attribute || attribute.objectTypeId !== String(objectTypeId)) {
      throw new HttpError(404, `object type ${objectTypeId} has no attribute ${id}`);
    }
    if (attribute.system) throw validationError('id', `${attribute.name} is a system attribute and cannot be changed`);
    const min = Number(body.minimumCardinality ?? attribute.minimumCardinality);
    const max = Number(body.maximumCardinality ?? attribute.maximumCardinality);
    if (!Number.isInteger(min) || min < 0) throw validationError('minimumCardinality', 'minimumCardinality must be a non-negative integer');
    if (max !== -1 && min > max) throw validationError('minimumCardinality', 'minimumCardinality exceeds maximumCardinality');
    if (max !== 1 && !MULTI_VALUE_TYPES.has(this.typeName(attribute))) {
      throw validationError('maximumCardinality', `a ${this.typeName(attribute)} attribute cannot hold more than one value`);
    }
    if (body.label === true) for (const other of this.attributesOf(attribute.objectTypeId)) other.label = false;
    if (typeof body.label === 'boolean') attribute.label = body.label;
    if (typeof body.description === 'string') attribute.description = body.description;
    if (typeof body.uniqueAttribute === 'boolean') attribute.uniqueAttribute = body.uniqueAttribute;
    attribute.minimumCardinality = min;
    attribute.maximumCardinality = max;
    return attribute;
  }

  /** "Text", "Integer", …, or "Object reference", "User", "Group", "Status". */
  typeName(attribute) {
    return attribute.type === 0 ? DEFAULT_TYPES[attribute.defaultTypeId] : ATTRIBUTE_TYPES[attribute.type];
  }

  // ------------------------------------------------------------------------------------------
  // Objects

  findObject(idOrKey) {
    const text = String(idOrKey);
    return this.objects.get(text) ?? this.objectsByKey.get(text);
  }

  labelOf(object) {
    const labelAttribute = this.attributesOf(object.objectTypeId).find((a) => a.label);
    return labelAttribute ? (object.values.get(labelAttribute.id)?.[0] ?? '') : '';
  }

  /** Checks and normalises one value; returns the stored string. */
  #checkValue(attribute, raw, index) {
    const where = attribute.name;
    if (raw === null || raw === undefined) throw validationError(where, `${where}: value ${index} is missing`);
    if (typeof raw === 'object') throw validationError(where, `${where}: value must be a string, got ${JSON.stringify(raw)}`);
    const text = String(raw);
    const bad = (what) => validationError(where, `${where}: "${text}" is not a valid ${what}`);
    switch (this.typeName(attribute)) {
      case 'Text':
        // Atlassian's attribute-type page: a Text value holds at most 255 characters.
        if ([...text].length > MAX_TEXT_CHARS) throw bad(`text (at most ${MAX_TEXT_CHARS} characters)`);
        checkPattern(attribute, text, bad);
        return text;
      case 'Textarea':
        return text;
      case 'Integer':
        if (!/^-?\d+$/.test(text.trim()) || Number(text) < -2147483648 || Number(text) > 2147483647) throw bad('integer');
        return String(Number(text));
      case 'Double':
        if (text.trim() === '' || !Number.isFinite(Number(text))) throw bad('number');
        return text.trim();
      case 'Boolean':
        // Strict on purpose: accepting only what Assets documents keeps the app from relying on leniency.
        if (text !== 'true' && text !== 'false') throw bad('boolean (true or false)');
        return text;
      case 'Date':
        if (!isValidDate(text)) throw bad('date (ISO 8601, yyyy-mm-dd)');
        return text;
      case 'DateTime':
        if (!DATETIME.test(text) || Number.isNaN(Date.parse(text))) throw bad('date-time (ISO 8601)');
        return new Date(text).toISOString();
      case 'Time':
        if (!TIME.test(text)) throw bad('time (HH:mm or HH:mm:ss)');
        return text;
      case 'Url': {
        let url;
        try {
          url = new URL(text);
        } catch {
          throw bad('URL');
        }
        // "URL attributes must start with the prefix http:// or https://" (attribute types page).
        if (!/^https?:\/\//i.test(text) || !['http:', 'https:'].includes(url.protocol)) throw bad('URL (http:// or https://)');
        checkPattern(attribute, text, bad);
        return text;
      }
      case 'Email':
        if (!EMAIL.test(text)) throw bad('email address');
        checkPattern(attribute, text, bad);
        return text;
      case 'Select': {
        const options = attribute.options.split(',').map((o) => o.trim()).filter(Boolean);
        if (!options.includes(text)) throw validationError(where, `${where}: "${text}" is not one of the options ${options.join(', ')}`);
        return text;
      }
      case 'IP Address':
        if (isIP(text) === 0) throw bad('IP address');
        return text;
      case 'Object reference': {
        const target = this.findObject(text);
        if (!target) throw validationError(where, `${where}: no object with key or id "${text}"`);
        if (!this.#typeAccepts(attribute, target.objectTypeId)) {
          const wanted = this.objectTypes.get(attribute.typeValue)?.name;
          throw validationError(where, `${where}: ${target.objectKey} is a ${this.objectTypes.get(target.objectTypeId).name}, not a ${wanted}`);
        }
        return target.id;
      }
      case 'User':
        if (!this.jiraUsers.some((u) => u.accountId === text)) throw validationError(where, `${where}: no Jira user with account id "${text}"`);
        return text;
      case 'Group':
        if (!this.jiraGroups.includes(text)) throw validationError(where, `${where}: no Jira group "${text}"`);
        return text;
      case 'Status': {
        const status = this.statuses.get(text);
        if (!status) throw validationError(where, `${where}: "${text}" is not a status id`);
        if (attribute.typeValueMulti.length && !attribute.typeValueMulti.includes(text)) {
          throw validationError(where, `${where}: status ${status.name} is not allowed for this attribute`);
        }
        return text;
      }
      default:
        throw validationError(where, `${where}: attributes of this type cannot be written`);
    }
  }

  #typeAccepts(attribute, objectTypeId) {
    if (attribute.typeValue === objectTypeId) return true;
    if (!attribute.includeChildObjectTypes) return false;
    for (let type = this.objectTypes.get(objectTypeId); type?.parentObjectTypeId; type = this.objectTypes.get(type.parentObjectTypeId)) {
      if (type.parentObjectTypeId === attribute.typeValue) return true;
    }
    return false;
  }

  /** Validates an ObjectIn body against the type; returns Map attributeId -> stored values. */
  #checkWrite(type, body, existing) {
    if (!Array.isArray(body.attributes)) throw validationError('attributes', 'attributes must be an array');
    const values = new Map(existing ? existing.values : []);
    const seen = new Set();
    for (const [i, entry] of body.attributes.entries()) {
      const attributeId = String(entry?.objectTypeAttributeId ?? '');
      const attribute = this.attributes.get(attributeId);
      if (!attribute || attribute.objectTypeId !== type.id) {
        throw validationError('objectTypeAttributeId', `attributes[${i}]: ${JSON.stringify(entry?.objectTypeAttributeId)} is not an attribute of object type ${type.name}`);
      }
      if (attribute.system || !attribute.editable) throw validationError(attribute.name, `${attribute.name} is a system attribute and cannot be set`);
      if (seen.has(attributeId)) throw validationError(attribute.name, `${attribute.name} is given more than once`);
      seen.add(attributeId);
      if (!Array.isArray(entry.objectAttributeValues)) {
        throw validationError(attribute.name, `${attribute.name}: objectAttributeValues must be an array`);
      }
      const count = entry.objectAttributeValues.length;
      if (attribute.maximumCardinality !== -1 && count > attribute.maximumCardinality) {
        throw validationError(attribute.name, `${attribute.name} takes at most ${attribute.maximumCardinality} value(s), got ${count}`);
      }
      const stored = entry.objectAttributeValues.map((v, n) => this.#checkValue(attribute, v?.value, n));
      if (new Set(stored).size !== stored.length) throw validationError(attribute.name, `${attribute.name} has duplicate values`);
      values.set(attributeId, stored);
    }
    for (const attribute of this.attributesOf(type.id)) {
      if (attribute.system) continue;
      const count = values.get(attribute.id)?.length ?? 0;
      if (count < attribute.minimumCardinality) {
        throw validationError(attribute.name, `${attribute.name} is required (at least ${attribute.minimumCardinality} value(s))`);
      }
      if (attribute.uniqueAttribute && count) {
        const clash = [...this.objects.values()].find((o) => o.objectTypeId === type.id && o.id !== existing?.id
          && (o.values.get(attribute.id) ?? []).some((v) => values.get(attribute.id).some((w) => w.toLowerCase() === v.toLowerCase())));
        if (clash) throw validationError(attribute.name, `${attribute.name} must be unique: ${clash.objectKey} already has this value`);
      }
    }
    return values;
  }

  createObject(body) {
    if (!body || typeof body !== 'object') throw validationError('objectTypeId', 'body must be an ObjectIn object');
    const type = this.objectTypes.get(String(body.objectTypeId ?? ''));
    if (!type) throw validationError('objectTypeId', `object type ${JSON.stringify(body.objectTypeId)} does not exist`);
    if (type.abstractObjectType) throw validationError('objectTypeId', `object type ${type.name} is abstract`);
    const values = this.#checkWrite(type, body, null);
    const id = this.#id();
    const counter = this.keyCounters.get(type.objectSchemaId) + 1;
    this.keyCounters.set(type.objectSchemaId, counter);
    const now = this.now();
    const object = { id, objectTypeId: type.id, objectKey: `${this.schemas.get(type.objectSchemaId).objectSchemaKey}-${counter}`, created: now, updated: now, values };
    this.objects.set(id, object);
    this.objectsByKey.set(object.objectKey, object);
    return object;
  }

  /** PUT: only the listed attributes change, and their values are replaced. */
  updateObject(id, body) {
    const object = this.objects.get(String(id));
    if (!object) throw new HttpError(404, `object ${id} does not exist`);
    if (!body || typeof body !== 'object') throw validationError('attributes', 'body must be an ObjectIn object');
    if (body.objectTypeId !== undefined && String(body.objectTypeId) !== object.objectTypeId) {
      throw validationError('objectTypeId', 'an object cannot be moved to another object type');
    }
    object.values = this.#checkWrite(this.objectTypes.get(object.objectTypeId), body, object);
    object.updated = this.now();
    return object;
  }

  /** DELETE: also removes the references other objects held to it, as Assets does. */
  deleteObject(id) {
    const object = this.objects.get(String(id));
    if (!object) throw new HttpError(404, `object ${id} does not exist`);
    this.objects.delete(object.id);
    this.objectsByKey.delete(object.objectKey);
    for (const other of this.objects.values()) {
      for (const [attributeId, values] of other.values) {
        const attribute = this.attributes.get(attributeId);
        if (attribute.type === 1 && values.includes(object.id)) other.values.set(attributeId, values.filter((v) => v !== object.id));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // AQL

  /** Searchable texts of one operand on one object (see aql.js for what matches what). */
  valuesOf(object, lhs) {
    const type = this.objectTypes.get(object.objectTypeId);
    switch (lhs.special) {
      case 'objecttype':
        return [type.name];
      case 'objecttypeid':
        return [type.id];
      case 'objectschema':
        return [this.schemas.get(type.objectSchemaId).name];
      case 'objectschemaid':
        return [type.objectSchemaId];
      case 'key':
      case 'objectkey':
        return [object.objectKey];
      case 'objectid':
        return [object.id];
      case 'label':
        return [this.labelOf(object)];
      default:
        break;
    }
    const attribute = this.attributesOf(type.id).find((a) => a.name.toLowerCase() === lhs.attribute.toLowerCase());
    if (!attribute) return [];
    if (attribute.name === 'Key') return [object.objectKey];
    if (attribute.name === 'Created') return [object.created];
    if (attribute.name === 'Updated') return [object.updated];
    const stored = object.values.get(attribute.id) ?? [];
    switch (attribute.type) {
      case 1:
        return stored.flatMap((refId) => {
          const target = this.objects.get(refId);
          return target ? [this.labelOf(target), target.objectKey] : [];
        });
      case 7:
        return stored.map((statusId) => this.statuses.get(statusId)?.name ?? statusId);
      case 2:
        return stored.flatMap((accountId) => [accountId, this.jiraUsers.find((u) => u.accountId === accountId)?.displayName ?? '']);
      default:
        return stored;
    }
  }

  /** Runs AQL; throws a 400 (documented Errors shape) for anything outside the subset. */
  search(qlQuery) {
    let compiled;
    try {
      compiled = compileAql(parseAql(qlQuery), {
        attributeExists: (name) => [...this.attributes.values()].some((a) => a.name.toLowerCase() === name.toLowerCase()),
        valuesOf: (object, lhs) => this.valuesOf(object, lhs),
      });
    } catch (error) {
      if (error instanceof AqlError) {
        throw new HttpError(400, error.message, { body: { errorMessages: [], errors: { iql: `AQL: ${error.message}` } } });
      }
      throw error;
    }
    let found = [...this.objects.values()].filter((o) => compiled.matches(o));
    found.sort((a, b) => Number(a.id) - Number(b.id));
    if (compiled.order) {
      const { lhs, dir } = compiled.order;
      const keyOf = (o) => (this.valuesOf(o, lhs)[0] ?? '').toLowerCase();
      found = found.map((o) => ({ o, k: keyOf(o) })).sort((a, b) => (a.k === b.k ? 0 : a.k < b.k ? -dir : dir)).map((x) => x.o);
    }
    return found;
  }
}
