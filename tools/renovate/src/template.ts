import { InfraError } from '@infra/core';
import type { RenovateErrorCode } from './error-codes';

/**
 * Renders the few Handlebars forms renovate.json uses in its templates: literal text, `{{{field}}}` and
 * `{{{replace 'regex' 'replacement' field}}}` (Renovate's `replace` helper). Anything else is refused, so the
 * checker never claims to know what a template it cannot read produces.
 */
export function renderTemplate(
  template: string,
  fields: Readonly<Record<string, string | undefined>>,
): string {
  return template.replace(/\{\{\{?([^}]*)\}?\}\}/g, (whole, inner: string) => {
    const expr = inner.trim();
    const field = /^([A-Za-z]\w*)$/.exec(expr);
    if (field?.[1]) return fieldValue(fields, field[1], template);
    const replace = /^replace '((?:[^'\\]|\\.)*)' '((?:[^'\\]|\\.)*)' ([A-Za-z]\w*)$/.exec(expr);
    if (replace?.[1] !== undefined && replace[2] !== undefined && replace[3]) {
      return fieldValue(fields, replace[3], template).replace(new RegExp(replace[1], 'g'), replace[2]);
    }
    throw new InfraError<RenovateErrorCode>(
      'RENOVATE_TEMPLATE_UNSUPPORTED',
      `renovate.json template "${template}": ${whole} is not a form this checker renders`,
      {
        hint: "use {{{field}}} or {{{replace 'regex' 'text' field}}}, or teach tools/renovate/src/template.ts",
      },
    );
  });
}

function fieldValue(
  fields: Readonly<Record<string, string | undefined>>,
  name: string,
  template: string,
): string {
  const value = fields[name];
  if (value === undefined) {
    throw new InfraError<RenovateErrorCode>(
      'RENOVATE_TEMPLATE_UNSUPPORTED',
      `renovate.json template "${template}" uses ${name}, which the match did not capture`,
      { hint: `capture (?<${name}>...) in matchStrings or set the template to literal text` },
    );
  }
  return value;
}
