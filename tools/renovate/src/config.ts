import { InfraError } from '@infra/core';
import { z } from 'zod';
import type { RenovateErrorCode } from './error-codes';

/** The part of renovate.json this checker reads; everything else passes through untouched. */
const customManagerSchema = z
  .object({
    customType: z.literal('regex'),
    description: z.string(),
    managerFilePatterns: z.array(z.string()).min(1),
    matchStrings: z.array(z.string()).min(1),
    matchStringsStrategy: z.enum(['any', 'recursive']).default('any'),
    depNameTemplate: z.string().optional(),
    packageNameTemplate: z.string().optional(),
    datasourceTemplate: z.string().optional(),
  })
  .loose();

export const renovateConfigSchema = z
  .object({
    enabledManagers: z.array(z.string()).min(1),
    customManagers: z.array(customManagerSchema).default([]),
  })
  .loose();

export type RenovateConfig = z.infer<typeof renovateConfigSchema>;
export type CustomManager = RenovateConfig['customManagers'][number];

/** Parses renovate.json text; a bad file is one InfraError naming the field. */
export function parseRenovateConfig(text: string, file = 'renovate.json'): RenovateConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InfraError<RenovateErrorCode>(
      'RENOVATE_CONFIG_INVALID',
      `${file} is not JSON: ${(error as Error).message}`,
      {
        hint: 'renovate.json must be plain JSON (no comments, no trailing commas)',
      },
    );
  }
  const parsed = renovateConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InfraError<RenovateErrorCode>(
      'RENOVATE_CONFIG_INVALID',
      `${file} ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { hint: 'every custom manager needs customType "regex", managerFilePatterns and matchStrings' },
    );
  }
  return parsed.data;
}

/**
 * Renovate reads a `managerFilePatterns` entry between slashes as a regular expression, anything else as a
 * glob. This repository writes only the regex form, so a glob is refused rather than guessed at.
 */
export function filePatternRegex(pattern: string): RegExp {
  const m = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (!m?.[1]) {
    throw new InfraError<RenovateErrorCode>(
      'RENOVATE_CONFIG_INVALID',
      `renovate.json managerFilePatterns: "${pattern}" is not /regex/`,
      {
        hint: 'write file patterns as "/^path\\\\.ext$/" (the regex form)',
      },
    );
  }
  return new RegExp(m[1], m[2]);
}
