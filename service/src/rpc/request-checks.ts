/**
 * Checks every request gets at the gRPC edge before anything reads it. HDF5 names and strings end
 * at the first NUL, so a NUL anywhere in a request's text (a title, a node path, a map key) would
 * silently address or store something else: such requests are refused, naming the field.
 */
import { invalidData } from "../errors.ts";
import { NUL_MESSAGE } from "../model/text.ts";

/** Throws invalid_data for the first string (or map key) holding a NUL; bytes are not text. */
export function refuseNul(message: unknown, path = ""): void {
  if (typeof message === "string") {
    if (message.includes("\0")) throw invalidData(path || "request", NUL_MESSAGE);
    return;
  }
  if (message === null || typeof message !== "object" || ArrayBuffer.isView(message)) return;
  if (Array.isArray(message)) {
    for (const [i, item] of message.entries()) refuseNul(item, `${path}[${i}]`);
    return;
  }
  for (const [key, value] of Object.entries(message)) {
    if (key === "$typeName") continue;
    // a oneof is {case, value}: its value is the field the case names
    const field =
      key === "value" && "case" in message ? join(path, snake(String(message.case))) : join(path, snake(key));
    if (key.includes("\0")) throw invalidData(`${path || "request"} key`, NUL_MESSAGE);
    refuseNul(value, field);
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** protobuf-es's camelCase field names as the .proto spells them. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
