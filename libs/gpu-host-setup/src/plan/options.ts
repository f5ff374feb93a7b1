import { z } from 'zod';

const HEX4 = /^[0-9a-f]{4}$/i;

/** What the planner may be told; the same fields as the config's `gpu` section (plus `disableVga`). */
export const planOptionsSchema = z.object({
  selector: z
    .object({
      vendor: z.string().regex(HEX4, 'expected a 4-digit PCI vendor id like "10de"').default('10de'),
      class: z
        .string()
        .regex(/^[0-9a-f]{2}([0-9a-f]{2})?$/i, 'expected a PCI class like "03" or "0300"')
        .default('03'),
      address: z
        .string()
        .regex(
          /^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}(\.[0-7])?$/i,
          'expected a PCI address like 0000:01:00',
        )
        .optional(),
    })
    .default({ vendor: '10de', class: '03' }),
  /** Add `iommu=pt` to the kernel command line. */
  iommuPassthrough: z.boolean().default(false),
  /** Add `disable_vga=1` to the vfio-pci options (OVMF guests only). */
  disableVga: z.boolean().default(false),
});
export type PlanOptions = z.infer<typeof planOptionsSchema>;
export type PlanOptionsInput = z.input<typeof planOptionsSchema>;
