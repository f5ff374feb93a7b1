import { decodeUpid } from '@infra/pve-api';
import { ok, type RequestContext, type Route } from '../core';
import { paramError } from '../errors';
import { bool, int, str } from '../http/params';
import type { TaskRecord } from '../state/schema';

function findTask(ctx: RequestContext): TaskRecord {
  const upid = str(ctx.params, 'upid')!;
  if (!decodeUpid(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const task = ctx.core.tasks.get(upid);
  if (!task) throw paramError({ upid: 'no such task' });
  return task;
}

/** Non-owners need `privilege` on /nodes/<node>. */
function assertOwnerOr(ctx: RequestContext, task: TaskRecord, privilege: string): void {
  if (task.user !== ctx.caller.authId)
    ctx.core.perms.check(ctx.caller.authId, `/nodes/${task.node}`, [privilege]);
}

/** Task status as pve-manager prints it: a token user is split into `user` + `tokenid`. */
function statusView(task: TaskRecord) {
  const bang = task.user.indexOf('!');
  const user =
    bang === -1
      ? { user: task.user }
      : { user: task.user.slice(0, bang), tokenid: task.user.slice(bang + 1) };
  return {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    ...user,
    status: task.status,
    ...(task.status === 'stopped' ? { exitstatus: task.exitstatus ?? 'unexpected status' } : {}),
  };
}

export const taskRoutes: Route[] = [
  {
    method: 'GET',
    template: '/nodes/{node}/tasks/{upid}/status',
    handler(ctx) {
      const task = findTask(ctx);
      assertOwnerOr(ctx, task, 'Sys.Audit');
      return ok(statusView(task));
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/tasks/{upid}/log',
    handler(ctx) {
      const task = findTask(ctx);
      assertOwnerOr(ctx, task, 'Sys.Audit');
      const download = bool(ctx.params, 'download') ?? false;
      const start = int(ctx.params, 'start') ?? 0;
      const limit = download ? task.log.length : (int(ctx.params, 'limit') ?? 50);
      const lines = task.log.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
      return ok(lines, task.log.length);
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/tasks/{upid}',
    permissions: { user: 'all' },
    handler(ctx) {
      findTask(ctx);
      return ok([{ name: 'log' }, { name: 'status' }]);
    },
  },
  {
    method: 'DELETE',
    template: '/nodes/{node}/tasks/{upid}',
    permissions: { user: 'all' },
    handler(ctx) {
      const task = findTask(ctx);
      assertOwnerOr(ctx, task, 'Sys.Modify');
      ctx.core.tasks.stop(task.upid);
      return ok(null);
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/tasks',
    permissions: { user: 'all' },
    handler(ctx) {
      const node = str(ctx.params, 'node')!;
      const mayAudit = ctx.core.perms.has(ctx.caller.authId, `/nodes/${node}`, 'Sys.Audit');
      const type = str(ctx.params, 'typefilter');
      const vmid = str(ctx.params, 'vmid');
      const source = str(ctx.params, 'source') ?? 'archive';
      const errorsOnly = bool(ctx.params, 'errors') ?? false;
      const matching = ctx.state.tasks
        .filter((t) => t.node === node && (mayAudit || t.user === ctx.caller.authId))
        .filter((t) =>
          source === 'active' ? t.status === 'running' : source === 'archive' ? t.status === 'stopped' : true,
        )
        .filter((t) => (type === undefined || t.type === type) && (vmid === undefined || t.id === vmid))
        .filter(
          (t) =>
            !errorsOnly ||
            (t.exitstatus !== undefined && t.exitstatus !== 'OK' && !t.exitstatus.startsWith('WARNINGS')),
        )
        .reverse();
      const start = int(ctx.params, 'start') ?? 0;
      const limit = int(ctx.params, 'limit') ?? 50;
      const items = matching.slice(start, start + limit).map((t) => ({
        upid: t.upid,
        node: t.node,
        pid: t.pid,
        pstart: t.pstart,
        starttime: t.starttime,
        type: t.type,
        id: t.id,
        user: t.user,
        ...(t.status === 'stopped'
          ? { status: t.exitstatus ?? 'unexpected status', endtime: t.endtime }
          : {}),
      }));
      return ok(items, matching.length);
    },
  },
];
