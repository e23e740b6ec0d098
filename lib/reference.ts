import { readFileSync } from 'node:fs';
import { z } from 'zod';

const sectorsSchema = z.record(z.string().min(1), z.string().min(1));

/** Reads the ticker → sector reference file (see reference/README.md). */
export function loadSectors(file: string): ReadonlyMap<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`REFERENCE_SECTORS_FILE ${file}: ${(err as Error).message}`);
  }
  const parsed = sectorsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`REFERENCE_SECTORS_FILE ${file}: expected {"TICKER": "Sector", ...}`);
  }
  return new Map(Object.entries(parsed.data).map(([t, s]) => [t.toUpperCase(), s]));
}
