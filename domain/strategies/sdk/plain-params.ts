/**
 * Params as plain data, `{ type, default, min?, max? }` per field: how a sandboxed module (which cannot hand over
 * a zod schema) and a spec file declare theirs. Turned into the strict zod schema `run start --param` is parsed by.
 */
import { z } from 'zod';

const Num = z.number().finite();
export const ParamSpec = z.discriminatedUnion('type', [
  z
    .object({
      type: z.enum(['number', 'integer']),
      default: Num,
      min: Num.optional(),
      max: Num.optional(),
      description: z.string().optional(),
    })
    .strict(),
  z.object({ type: z.literal('boolean'), default: z.boolean(), description: z.string().optional() }).strict(),
  z
    .object({
      type: z.literal('string'),
      default: z.string(),
      enum: z.array(z.string()).min(1).optional(),
      description: z.string().optional(),
    })
    .strict(),
]);
export type ParamSpec = z.infer<typeof ParamSpec>;

/** The zod schema a plain `params` object describes (defaults inside min..max, integers whole). */
export function paramsSchema(specs: Record<string, ParamSpec>): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, p] of Object.entries(specs)) {
    let s: z.ZodType;
    if (p.type === 'number' || p.type === 'integer') {
      let n = p.type === 'integer' ? z.number().int() : z.number().finite();
      if (p.min !== undefined) n = n.min(p.min);
      if (p.max !== undefined) n = n.max(p.max);
      const d = n.safeParse(p.default);
      if (!d.success) throw new Error(`params.${key}.default: ${d.error.issues[0].message}`);
      s = n.default(p.default);
    } else if (p.type === 'boolean') s = z.boolean().default(p.default);
    else if (p.type === 'string' && p.enum) {
      if (!p.enum.includes(p.default)) throw new Error(`params.${key}.default: must be one of ${p.enum.join(', ')}`);
      s = z.enum(p.enum as [string, ...string[]]).default(p.default);
    } else if (p.type === 'string') s = z.string().default(p.default);
    else throw new Error(`params.${key}.type: unknown`);
    shape[key] = s;
  }
  return z.object(shape).strict() as unknown as z.ZodType<Record<string, unknown>>;
}
