/**
 * Conversions shared by the object-type resolvers. Stored values stay exact decimal strings
 * and ms timestamps; these shape them for the schema's Float fields.
 */

/** A decimal string as a GraphQL Float (may round; the schema offers the text beside it). */
export function decimalToFloat(text: string): number {
  return Number(text);
}

/** An optional decimal string as a nullable Float. */
export function optionalDecimalToFloat(text: string | undefined): number | null {
  return text === undefined ? null : Number(text);
}
