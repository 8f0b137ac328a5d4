// The LLM's JSON grammar, derived from the one zod definition (shared/intervention.ts) rather than
// written twice. z.toJSONSchema gives draft 2020-12; node-llama-cpp's grammar takes a subset
// (GbnfJsonSchema) with three differences that matter here:
//   - every listed property is always generated (no optional keys), so an optional property
//     becomes a required one that may be null, and nulls are stripped again before validation;
//   - unions are `oneOf` only (zod writes `anyOf` for nullable/optional unions);
//   - numeric bounds, patterns and `$schema` are not understood; they are dropped here and
//     enforced afterwards by the zod schema itself.
// Structure names get an enum of the names on screen, which is what makes a small model usable:
// it cannot spell a structure that is not there.
import type { GbnfJsonSchema } from 'node-llama-cpp';
import { z } from 'zod';
import { llmAnswerSchema, type LlmAnswer } from '../../../shared/intervention';

type Json = Record<string, unknown>;

export interface GrammarOptions {
  /** Property name → allowed strings (e.g. target and near → the visible structures). */
  stringEnums?: Record<string, readonly string[]>;
}

/** Converts one JSON Schema node into node-llama-cpp's subset; throws on what it cannot express. */
export function toGrammarSchema(node: Json, options: GrammarOptions = {}, key?: string): GbnfJsonSchema {
  const union = (node.oneOf ?? node.anyOf) as Json[] | undefined;
  if (union) return { oneOf: union.map((n) => toGrammarSchema(n, options, key)) };
  if (node.const !== undefined) return { const: node.const as string | number | boolean | null };
  if (Array.isArray(node.enum)) return { enum: node.enum as (string | number | boolean | null)[] };
  switch (node.type) {
    case 'object': {
      const required = new Set((node.required as string[] | undefined) ?? []);
      const properties: Record<string, GbnfJsonSchema> = {};
      for (const [name, child] of Object.entries((node.properties as Record<string, Json>) ?? {})) {
        const converted = toGrammarSchema(child, options, name);
        properties[name] = required.has(name) ? converted : { oneOf: [converted, { type: 'null' }] };
      }
      return { type: 'object', properties, additionalProperties: false };
    }
    case 'array': {
      const items = node.items ? toGrammarSchema(node.items as Json, options) : undefined;
      return {
        type: 'array',
        ...(items ? { items } : {}),
        ...(typeof node.minItems === 'number' ? { minItems: node.minItems } : {}),
        ...(typeof node.maxItems === 'number' ? { maxItems: node.maxItems } : {}),
      };
    }
    case 'string': {
      const names = key !== undefined ? options.stringEnums?.[key] : undefined;
      if (names && names.length > 0) return { enum: [...names] };
      return {
        type: 'string',
        ...(typeof node.minLength === 'number' ? { minLength: node.minLength } : {}),
        ...(typeof node.maxLength === 'number' ? { maxLength: node.maxLength } : {}),
      };
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type: node.type };
    default:
      throw new Error(
        `the LLM grammar cannot express the JSON Schema node ${JSON.stringify(node).slice(0, 120)}`,
      );
  }
}

/** The LLM answer's JSON Schema, as zod writes it (draft 2020-12). */
export const llmAnswerJsonSchema = z.toJSONSchema(llmAnswerSchema) as Json;

/** The grammar for one request: structure names limited to those on screen. */
export function llmAnswerGrammarSchema(structureNames: readonly string[]): GbnfJsonSchema {
  return toGrammarSchema(llmAnswerJsonSchema, {
    stringEnums: { target: structureNames, near: structureNames, from: structureNames },
  });
}

/** The grammar's nulls back to absent keys, so the zod schema (optional, not nullable) can judge. */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, stripNulls(v)]),
    );
  }
  return value;
}

/**
 * An answer written exactly as the grammar generates it (every key, in schema order, null where
 * absent): the few-shot examples must look like what the model is forced to write.
 */
export function toGrammarJson(answer: LlmAnswer): string {
  return JSON.stringify(fill(toGrammarSchema(llmAnswerJsonSchema), answer));
}

function fill(schema: GbnfJsonSchema, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const s = schema as Json;
  if (Array.isArray(s.oneOf)) {
    const branch = (s.oneOf as GbnfJsonSchema[]).find((b) => fits(b, value));
    return branch ? fill(branch, value) : value;
  }
  if (s.type === 'object' && value && typeof value === 'object') {
    const props = s.properties as Record<string, GbnfJsonSchema>;
    return Object.fromEntries(
      Object.entries(props).map(([k, child]) => [k, fill(child, (value as Json)[k])]),
    );
  }
  if (s.type === 'array' && Array.isArray(value) && s.items) {
    return value.map((v) => fill(s.items as GbnfJsonSchema, v));
  }
  return value;
}

/** Whether a value can be of this branch: type, and every const property equal. */
function fits(schema: GbnfJsonSchema, value: unknown): boolean {
  const s = schema as Json;
  if (s.type === 'null') return value === null;
  if (Array.isArray(s.oneOf)) return (s.oneOf as GbnfJsonSchema[]).some((b) => fits(b, value));
  if (s.type === 'object') {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.entries(s.properties as Record<string, Json>).every(
      ([k, child]) => child.const === undefined || (value as Json)[k] === child.const,
    );
  }
  if (s.const !== undefined) return s.const === value;
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).includes(value);
  if (s.type === 'array') return Array.isArray(value);
  if (s.type === 'integer') return Number.isInteger(value);
  return typeof value === s.type;
}
