#!/usr/bin/env tsx
/**
 * Runs one Ansible role's Molecule scenario for real (`molecule test`: destroy, create, prepare, converge,
 * idempotence, verify, destroy) in a podman container from the Debian base image that @infra/molecule builds
 * once per machine. Each role's Nx `molecule` target (`nx run ansible-role-<r>:molecule`) runs exactly this.
 */
import { resolve } from 'node:path';
import { defineCommand, jsonOption, positional, printResult, runScript } from '@infra/core';
import { runMoleculeScenario } from '@infra/molecule';

export const command = defineCommand({
  description: "run a role's Molecule scenario (converge, idempotence, verify) in podman",
  options: { json: jsonOption },
  positionals: { role: positional.required('roleDir', 'the role folder, e.g. ansible/roles/baseline') },
  run: async ({ args, log, signal }) => {
    const repoRoot = process.cwd();
    const result = await runMoleculeScenario({
      repoRoot,
      roleDir: resolve(repoRoot, args.role),
      logger: log,
      signal,
    });
    printResult(result, args.json, () => {
      const actions = result.actions.map((a) => a.action).join(', ');
      return `${result.role}: Molecule passed (${actions}) in ${Math.round(result.durationMs / 1000)} s`;
    });
  },
});

await runScript(import.meta.url, command);
