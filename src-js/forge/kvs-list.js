// Listing Forge KVS values by key prefix (pages of 100, the documented maximum).
import { kvs, WhereConditions } from '@forge/kvs';

/** Every value whose key starts with `prefix`, reading at most `maxPages` pages. */
export async function valuesWithPrefix(prefix, maxPages = 100) {
  return (await entriesWithPrefix(prefix, maxPages)).map((entry) => entry.value);
}

/** Every `{key, value}` whose key starts with `prefix`, reading at most `maxPages` pages. */
export async function entriesWithPrefix(prefix, maxPages = 100) {
  const values = [];
  let cursor;
  for (let page = 0; page < maxPages; page += 1) {
    let query = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(100);
    if (cursor) query = query.cursor(cursor);
    const { results, nextCursor } = await query.getMany();
    values.push(...results.map((r) => ({ key: r.key, value: r.value })));
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return values;
}
