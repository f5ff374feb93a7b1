import { pciSelectorSchema } from '@infra/config';
import { z } from 'zod';

/** What the planner may be told; the same fields as the config's `gpu` section (plus `disableVga`). */
export const planOptionsSchema = z.object({
  selector: pciSelectorSchema,
  /** Add `iommu=pt` to the kernel command line. */
  iommuPassthrough: z.boolean().default(false),
  /** Add `disable_vga=1` to the vfio-pci options (OVMF guests only). */
  disableVga: z.boolean().default(false),
});
export type PlanOptions = z.infer<typeof planOptionsSchema>;
export type PlanOptionsInput = z.input<typeof planOptionsSchema>;
