#!/usr/bin/env tsx
/**
 * An MCP server on stdio (official @modelcontextprotocol/sdk) for AI assistants: read-only tools (describe
 * config, list templates and fingerprints, doctor, drift, a tofu plan dry run, the GPU plan of a facts
 * bundle) and resources (the resolved config, the last build results as the templates record them). The tools
 * that change things (build_image, apply) refuse unless started with --allow-mutations, and then each still
 * needs `confirm: true`. Every output passes the redactor. Logic: libs/operations/src/mcp.
 */
import { defineCommand, log, option, runScript } from '@infra/core';

export const command = defineCommand({
  description: 'MCP server on stdio for assistants (read-only unless --allow-mutations)',
  options: {
    env: option.string('the default environment of tool calls and the config resource', {
      short: 'e',
      default: 'local',
    }),
    'allow-mutations': option.flag('enable build_image and apply (each still needs confirm: true)'),
  },
  examples: ['mcp.ts', 'mcp.ts --allow-mutations'],
  run: async ({ args, signal }) => {
    const [
      { loadEnvironment },
      { talosTemplate, deployEnvironment },
      { createMcpServer },
      { StdioServerTransport },
    ] = await Promise.all([
      import('@infra/config'),
      import('@infra/deploy'),
      import('@infra/operations'),
      import('@modelcontextprotocol/sdk/server/stdio.js'),
    ]);
    const server = createMcpServer({
      loadEnvironment: (name) => loadEnvironment(name),
      talosTag: async (environment) => (await talosTemplate(environment)).wanted.tag,
      allowMutations: args['allow-mutations'],
      defaultEnvironment: args.env,
      logger: log,
      mutations: {
        buildImage: async (environment, os) => {
          const { buildImage } = await import('@infra/template-builder');
          return buildImage(environment, os as Parameters<typeof buildImage>[1], { logger: log, signal });
        },
        apply: async (environment) => {
          const talos = await talosTemplate(environment);
          const { outputs: _secretish, ...shown } = await deployEnvironment({
            environment,
            action: 'apply',
            templates: { talos: talos.wanted },
            yes: true,
            confirm: async () => true,
            logger: log,
            signal,
          });
          return shown;
        },
      },
    });
    await server.connect(new StdioServerTransport());
    // Serve until the client closes stdin (or an interrupt).
    await new Promise<void>((resolve) => {
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
  },
});

await runScript(import.meta.url, command);
