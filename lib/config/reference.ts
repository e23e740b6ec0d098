import { z } from 'zod';
import { SECTIONS } from './schema';
import { settingsOf, type Setting } from './setting';

/**
 * docs/configuration.md, generated from the declarations (`npm run docs:config` writes it, and
 * a test fails when the file differs): a table per section with each key's default, allowed
 * values and meaning. Unformatted: the script passes it through prettier.
 */
export function configReference(): string {
  const out = [
    '# Configuration',
    '',
    '<!-- Generated from lib/config/ by `npm run docs:config`: edit the declarations, not this file. -->',
    '',
    'Every process reads these environment variables once at start-up (`loadConfig` in',
    '`lib/config/`); a bad value stops start-up with a message naming the key (secret values',
    'are never shown). Empty values count as unset.',
  ];
  for (const s of SECTIONS) {
    out.push(
      '',
      `## ${s.title}`,
      '',
      '| variable | default | allowed | meaning |',
      '| --- | --- | --- | --- |',
    );
    for (const setting of settingsOf(s.settings)) {
      const cells = [code(setting.env), defaultOf(setting), allowedOf(setting.schema), setting.doc];
      out.push(`| ${cells.map(cell).join(' | ')} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** What an unset key becomes: its schema's default (as environment text), else its fallback. */
function defaultOf(s: Setting<unknown>): string {
  if (s.fallback) return s.fallback.doc;
  // A JSON key's default is text before its transform: show that text, not the parsed value.
  const schema =
    s.schema instanceof z.ZodPipe && s.schema.in instanceof z.ZodDefault ? s.schema.in : s.schema;
  const r = schema.safeParse(undefined);
  if (!r.success || r.data === undefined) return 'unset';
  if (r.data === '') return '(empty)';
  return code(typeof r.data === 'string' ? r.data : JSON.stringify(r.data));
}

/** Allowed values, read from the schema: ranges of numbers, enum options. */
function allowedOf(schema: z.ZodType): string {
  const meta = schema.meta() as { allowed?: string } | undefined;
  if (meta?.allowed) return meta.allowed;
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) {
    return allowedOf(schema.unwrap() as z.ZodType);
  }
  // numberAs(): coercion in front of the domain's bounded number.
  if (schema instanceof z.ZodPipe) return allowedOf(schema.out as z.ZodType);
  if (schema instanceof z.ZodEnum) return schema.options.map((o) => code(String(o))).join(', ');
  if (schema instanceof z.ZodNumber) return numberRange(schema);
  if (schema instanceof z.ZodURL) return 'URL';
  return 'text';
}

function numberRange(n: z.ZodNumber): string {
  const kind = n.isInt ? 'integer' : 'number';
  const min = n.minValue !== null && n.minValue > -Number.MAX_VALUE ? n.minValue : undefined;
  const max = n.maxValue !== null && n.maxValue < Number.MAX_SAFE_INTEGER ? n.maxValue : undefined;
  if (min !== undefined && max !== undefined) return `${kind} ${min}–${max}`;
  if (min !== undefined) return `${kind} ≥ ${min}`;
  if (max !== undefined) return `${kind} ≤ ${max}`;
  return kind;
}
