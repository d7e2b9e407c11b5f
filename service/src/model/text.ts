import { invalidData } from "../errors.ts";

/**
 * Longest text (names, labels, units, origin, titles) and extra-attribute string. Each becomes an
 * HDF5 attribute, and all attributes of a node share one 64 KiB object header.
 */
export const MAX_TEXT_LENGTH = 4096;
export const MAX_ATTRIBUTE_TEXT_LENGTH = 16_384;

/** Why text with a NUL is refused: HDF5 names and strings end at the first NUL. */
export const NUL_MESSAGE = "contains a NUL character (\\0), where HDF5 would cut the text: remove it";

/** Text that becomes an attribute: a string of at most MAX_TEXT_LENGTH characters. */
export function checkText(text: string, field: string): string {
  if (typeof text !== "string") throw invalidData(field, `must be a string, got ${typeof text}`);
  if (text.length > MAX_TEXT_LENGTH)
    throw invalidData(field, `has ${text.length} characters; at most ${MAX_TEXT_LENGTH}`);
  if (text.includes("\0")) throw invalidData(field, NUL_MESSAGE);
  return text;
}

/** `n` in decimal, left-padded with zeros to `width` digits (`7, 3` → `007`). */
export function zeroPad(n: number, width: number): string {
  return n.toString().padStart(width, "0");
}
