/**
 * How much longer than its JSON text a value can get when re-serialized:
 * numbers grow at most 5.25 times (`1e20` is written out as 21 digits), bytes
 * that are not UTF-8 three times (each becomes U+FFFD); whitespace, escapes
 * and duplicate keys only shrink. Lets an import measure only its long records.
 */
export const maxReserializedGrowth = 6;
