import { z } from 'zod';

/**
 * The Image Factory schematic: every field the factory's `schematic.Schematic` accepts (image-factory v1.5.0),
 * nothing else (unknown keys are rejected, as the factory's strict decoder does). Empty values are allowed here
 * and dropped by the canonical encoder, exactly like Go's `omitempty`.
 */
export const BOOTLOADERS = ['none', 'dual-boot', 'sd-boot', 'grub'] as const;
export const ENROLL_KEYS = ['off', 'manual', 'if-safe', 'force'] as const;

/** A float that happens to be integral (`1.0`, `1e6`): Go keeps it a float64, which changes how it is written. */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A YAML timestamp in overlay options: Go turns it into a time.Time and writes it back in RFC 3339 form. */
export class GoTimestamp {
  constructor(readonly rfc3339: string) {}
}

export type OptionValue =
  | null
  | boolean
  | string
  | number
  | bigint
  | GoFloat
  | GoTimestamp
  | OptionValue[]
  | { [key: string]: OptionValue };

export const OptionValueSchema: z.ZodType<OptionValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.string(),
    z.number(),
    z.bigint(),
    z.instanceof(GoFloat),
    z.instanceof(GoTimestamp),
    z.array(OptionValueSchema),
    z.record(z.string(), OptionValueSchema),
  ]),
);

const uint8 = z.number().int().min(0).max(255);

export const MetaValueSchema = z.strictObject({ key: uint8, value: z.string() });

export const OverlaySchema = z.strictObject({
  image: z.string().default(''),
  name: z.string().default(''),
  options: z.record(z.string(), OptionValueSchema).optional(),
});

export const CustomizationSchema = z.strictObject({
  embeddedMachineConfiguration: z.string().optional(),
  extraKernelArgs: z.array(z.string()).optional(),
  meta: z.array(MetaValueSchema).optional(),
  systemExtensions: z.strictObject({ officialExtensions: z.array(z.string()).optional() }).optional(),
  bootloader: z.enum(BOOTLOADERS).optional(),
  secureboot: z
    .strictObject({
      enrollKeys: z.enum(ENROLL_KEYS).optional(),
      includeWellKnownCertificates: z.boolean().optional(),
    })
    .optional(),
  diskImage: z.strictObject({ sectorSize: z.number().int().min(0).optional() }).optional(),
});

export const SchematicSchema = z.strictObject({
  /** Enterprise factories only; the public factory rejects it. */
  owner: z.string().optional(),
  overlay: OverlaySchema.optional(),
  customization: CustomizationSchema.default({}),
});

export type Schematic = z.infer<typeof SchematicSchema>;
export type SchematicInput = z.input<typeof SchematicSchema>;
export type Customization = z.infer<typeof CustomizationSchema>;
