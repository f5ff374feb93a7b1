import { z } from 'zod';

/**
 * The part of `tofu providers schema -json` the generator reads: which keys of a resource are attributes
 * (and whether the provider computes them) and which are nested blocks. Loose objects: tofu adds fields.
 */
const attributeSchema = z.looseObject({
  optional: z.boolean().optional(),
  required: z.boolean().optional(),
  computed: z.boolean().optional(),
  sensitive: z.boolean().optional(),
  deprecated: z.boolean().optional(),
});
export type AttributeSchema = z.infer<typeof attributeSchema>;

export interface BlockSchema {
  attributes?: Record<string, AttributeSchema> | undefined;
  block_types?:
    | Record<string, { nesting_mode: string; block: BlockSchema; max_items?: number | undefined }>
    | undefined;
}

const blockSchema: z.ZodType<BlockSchema> = z.lazy(() =>
  z.looseObject({
    attributes: z.record(z.string(), attributeSchema).optional(),
    block_types: z
      .record(
        z.string(),
        z.looseObject({ nesting_mode: z.string(), block: blockSchema, max_items: z.number().optional() }),
      )
      .optional(),
  }),
);

export const providersSchemaJson = z.looseObject({
  provider_schemas: z.record(
    z.string(),
    z.looseObject({
      resource_schemas: z.record(z.string(), z.looseObject({ block: blockSchema })).optional(),
    }),
  ),
});

/** The block schema of one resource type from `tofu providers schema -json` output. */
export function resourceBlock(document: unknown, type: string): BlockSchema | undefined {
  const parsed = providersSchemaJson.parse(document);
  for (const provider of Object.values(parsed.provider_schemas)) {
    const resource = provider.resource_schemas?.[type];
    if (resource) return resource.block;
  }
  return undefined;
}
