import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError, writeFileAtomic } from '@infra/core';
import type { PveSimErrorCode } from '../error-codes';
import { type SimState, stateSchema } from './schema';
import { seedState } from './seed';

const STATE_FILE = 'state.json';
/** Old finished tasks are dropped beyond this many, like PVE's task index rotation. */
const MAX_TASKS = 1000;

/**
 * Holds the state in memory (one process serves it) and persists every change with an atomic write, so a
 * crash never leaves a half-written file and a restart continues where the last run stopped. Writes are
 * serialised and coalesced: a burst of changes costs one write that reflects the latest state.
 */
export class StateStore {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  private constructor(
    readonly stateDir: string,
    public state: SimState,
    private readonly nodes: readonly string[],
  ) {}

  static async open(stateDir: string, options: { nodes?: readonly string[] } = {}): Promise<StateStore> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const file = join(stateDir, STATE_FILE);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    const nodes = options.nodes ?? ['pve'];
    if (text === null) {
      const store = new StateStore(stateDir, seedState({ nodes }), nodes);
      await store.save();
      return store;
    }
    const parsed = stateSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new InfraError<PveSimErrorCode>(
        'SIM_STATE_INVALID',
        `the simulator state file ${file} is not valid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
        {
          hint: 'run `./infra sim reset` to start from a fresh PVE install',
        },
      );
    }
    return new StateStore(stateDir, parsed.data, nodes);
  }

  get file(): string {
    return join(this.stateDir, STATE_FILE);
  }

  /** Where the files of a file-based storage really live. */
  storageRoot(storageId: string): string {
    return join(this.stateDir, 'storage', storageId);
  }

  /** Queues a write of the current state; resolves once a write that includes every change so far is done. */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    const write = this.chain.then(async () => {
      this.queued = null;
      const tasks = this.state.tasks;
      if (tasks.length > MAX_TASKS) this.state.tasks = tasks.slice(tasks.length - MAX_TASKS);
      await writeFileAtomic(this.file, `${JSON.stringify(this.state, null, 1)}\n`, { mode: 0o600 });
    });
    this.queued = write;
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Back to a fresh install: new state, every stored file removed. */
  async reset(): Promise<void> {
    await this.chain;
    await rm(join(this.stateDir, 'storage'), { recursive: true, force: true });
    this.state = seedState({ nodes: this.nodes });
    await this.save();
  }

  /** Resolves when every queued write has finished. */
  flush(): Promise<void> {
    return this.chain;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
