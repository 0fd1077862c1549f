/**
 * JSON Schema checks shared by unit and integration tests (runs in Node and in workerd).
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import entrySchema from '../../schemas/entry.schema.json';
import jsonfeedSchema from '../../schemas/jsonfeed.schema.json';
import extensionSchema from '../../schemas/marquee-extension.schema.json';
import sourcesSchema from '../../schemas/sources.schema.json';

function validator(schema: object, extra: object[] = []): Validator {
  const v = new Validator(schema as never, '2020-12', false);
  for (const s of extra) v.addSchema(s as never);
  return v;
}

const validators = {
  jsonfeed: validator(jsonfeedSchema, [extensionSchema]),
  extension: validator(extensionSchema),
  entry: validator(entrySchema),
  sources: validator(sourcesSchema),
};

export type SchemaName = keyof typeof validators;

/** Errors of `doc` against a schema, as readable strings (empty when valid). */
export function schemaErrors(name: SchemaName, doc: unknown): string[] {
  const r = validators[name].validate(doc);
  return r.valid ? [] : r.errors.map((e: OutputUnit) => `${e.instanceLocation}: ${e.error}`);
}
