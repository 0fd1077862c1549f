/**
 * JSON Schema checks shared by unit, integration and client tests (runs in Node and in workerd):
 * the stored records and every JSON body the public endpoints send.
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import entrySchema from '../../schemas/entry.schema.json';
import errorSchema from '../../schemas/error.schema.json';
import jsonfeedSchema from '../../schemas/jsonfeed.schema.json';
import extensionSchema from '../../schemas/marquee-extension.schema.json';
import sourcesSchema from '../../schemas/sources.schema.json';
import storiesSchema from '../../schemas/stories.schema.json';
import storyfeedSchema from '../../schemas/storyfeed.schema.json';

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
  stories: validator(storiesSchema),
  storyfeed: validator(storyfeedSchema),
  error: validator(errorSchema),
};

export type SchemaName = keyof typeof validators;

/** Errors of `doc` against a schema, as readable strings (empty when valid). */
export function schemaErrors(name: SchemaName, doc: unknown): string[] {
  const r = validators[name].validate(doc);
  return r.valid ? [] : r.errors.map((e: OutputUnit) => `${e.instanceLocation}: ${e.error}`);
}

export type ResponseSchema = 'jsonfeed' | 'stories' | 'storyfeed' | 'error';

/** Errors of a public endpoint's JSON body against its schema (empty when valid). */
export function responseSchemaErrors(name: ResponseSchema, doc: unknown): string[] {
  return schemaErrors(name, doc);
}

/** The schema a public JSON endpoint's body must satisfy, by path and status. */
export function schemaForResponse(path: string, status: number): ResponseSchema {
  if (status >= 400) return 'error';
  const p = new URL(path, 'http://x').pathname;
  return p === '/stories.json' ? 'stories' : p === '/stories.feed.json' ? 'storyfeed' : 'jsonfeed';
}
