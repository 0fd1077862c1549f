/**
 * JSON Schema checks for every JSON body the public endpoints send: /feed.json
 * (schemas/jsonfeed.schema.json with the _marquee extension), /stories.json
 * (schemas/stories.schema.json) and error answers (schemas/error.schema.json).
 * Runs in Node and in workerd.
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import errorSchema from '../../schemas/error.schema.json';
import jsonfeedSchema from '../../schemas/jsonfeed.schema.json';
import extensionSchema from '../../schemas/marquee-extension.schema.json';
import storiesSchema from '../../schemas/stories.schema.json';

function validator(schema: object, extra: object[] = []): Validator {
  const v = new Validator(schema as never, '2020-12', false);
  for (const s of extra) v.addSchema(s as never);
  return v;
}

const validators = {
  jsonfeed: validator(jsonfeedSchema, [extensionSchema]),
  stories: validator(storiesSchema),
  error: validator(errorSchema),
};

export type ResponseSchema = keyof typeof validators;

/** Errors of `doc` against a response schema, as readable strings (empty when valid). */
export function responseSchemaErrors(name: ResponseSchema, doc: unknown): string[] {
  const r = validators[name].validate(doc);
  return r.valid ? [] : r.errors.map((e: OutputUnit) => `${e.instanceLocation}: ${e.error}`);
}

/** The schema a public JSON endpoint's body must satisfy, by path and status. */
export function schemaForResponse(path: string, status: number): ResponseSchema {
  if (status >= 400) return 'error';
  return new URL(path, 'http://x').pathname === '/stories.json' ? 'stories' : 'jsonfeed';
}
