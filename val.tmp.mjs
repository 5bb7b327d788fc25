import { validate } from '@forge/manifest';
const r = await validate(false, process.argv[2]);
console.log(r.success, JSON.stringify(r.errors, null, 1));
