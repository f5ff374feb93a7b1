import type { Route } from './core';
import { accessRoutes } from './handlers/access';
import { clusterRoutes } from './handlers/cluster';
import { downloadRoutes } from './handlers/download';
import { hardwareRoutes } from './handlers/hardware';
import { mappingRoutes } from './handlers/mapping';
import { networkRoutes } from './handlers/network';
import { poolRoutes } from './handlers/pools';
import { cloneRoutes } from './handlers/qemu-clone';
import { cloudinitRoutes } from './handlers/qemu-cloudinit';
import { configRoutes } from './handlers/qemu-config';
import { createRoutes } from './handlers/qemu-create';
import { moveDiskRoutes } from './handlers/qemu-move-disk';
import { powerRoutes } from './handlers/qemu-power';
import { resizeRoutes } from './handlers/qemu-resize';
import { templateRoutes } from './handlers/qemu-template';
import { storageRoutes } from './handlers/storage';
import { taskRoutes } from './handlers/tasks';
import { uploadRoutes } from './handlers/upload';

/** Every endpoint the simulator serves; anything else is 501 as on a real PVE for unknown paths. */
export const ALL_ROUTES: readonly Route[] = [
  ...accessRoutes,
  ...clusterRoutes,
  ...hardwareRoutes,
  ...networkRoutes,
  ...mappingRoutes,
  ...storageRoutes,
  ...downloadRoutes,
  ...uploadRoutes,
  ...createRoutes,
  ...configRoutes,
  ...cloneRoutes,
  ...templateRoutes,
  ...resizeRoutes,
  ...powerRoutes,
  ...cloudinitRoutes,
  ...moveDiskRoutes,
  ...poolRoutes,
  ...taskRoutes,
];
