import { type PyValue, parsePythonLiteral, repr } from "./python-literal.ts";

/**
 * PyMoDAQ stores every attribute of its own (not PyTables' CLASS/TITLE/VERSION/EXTDIM) as the JSON
 * text `{"module": "builtins", "type": "<python type>", "data": "<python repr>"}`, serialised
 * by Python's `json.dumps` with its default separators and `ensure_ascii=True`.
 */
export function encodeAttribute(value: PyValue): string {
  const type = value.type === "none" ? "NoneType" : value.type;
  const module = value.type === "float64" ? "numpy" : "builtins";
  return `{"module": "${module}", "type": ${jsonString(type)}, "data": ${jsonString(repr(value))}}`;
}

/** Python's `json.dumps(str)` with `ensure_ascii=True`: only space..~ stay literal. */
export function jsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const ch = text[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (unit >= 0x20 && unit <= 0x7e) out += ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    // UTF-16 code units, so astral characters come out as surrogate pairs like Python's.
    else out += `\\u${unit.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

export const py = {
  str: (value: string): PyValue => ({ type: "str", value }),
  bytes: (value: Uint8Array): PyValue => ({ type: "bytes", value }),
  int: (value: number | bigint): PyValue => ({ type: "int", value }),
  float: (value: number): PyValue => ({ type: "float", value }),
  /** numpy.float64, as PyMoDAQ's Axis stores offset and scaling. */
  float64: (value: number): PyValue => ({ type: "float64", value }),
  bool: (value: boolean): PyValue => ({ type: "bool", value }),
  intTuple: (values: readonly number[]): PyValue => ({
    type: "tuple",
    value: values.map((v) => ({ type: "int", value: v })),
  }),
};

/** A plain JS value as the Python value PyMoDAQ would have: str, bool, int or float. */
export function pyScalar(value: string | number | boolean): PyValue {
  if (typeof value === "string") return py.str(value);
  if (typeof value === "boolean") return py.bool(value);
  return Number.isInteger(value) ? py.int(value) : py.float(value);
}

export type DecodedAttribute = string | number | bigint | boolean | null | Uint8Array | DecodedAttribute[];

/**
 * Reads what PyMoDAQ (or h5saver) wrote: the decoded Python value for JSON-wrapped attributes of
 * the literal types, the `data` text for other wrapped types (numpy scalars, datetimes), and the
 * raw value for anything that is not a wrapper.
 */
export function decodeAttribute(raw: unknown): DecodedAttribute {
  if (typeof raw !== "string") return raw as DecodedAttribute;
  const decoded = decodeWrappedAttribute(raw);
  if (decoded === undefined) return raw;
  return typeof decoded === "string" ? decoded : toPlain(decoded);
}

/**
 * A JSON-wrapped attribute's Python value, with its type (int and float stay apart), or the
 * wrapper's `data` text when it is not a literal; undefined when `raw` is not a wrapper.
 */
export function decodeWrappedAttribute(raw: string): PyValue | string | undefined {
  if (!raw.startsWith("{")) return undefined;
  let wrapper: unknown;
  try {
    wrapper = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof wrapper !== "object" || wrapper === null || !("data" in wrapper)) return undefined;
  const data = (wrapper as { data: unknown }).data;
  if (typeof data !== "string") return undefined;
  try {
    return parsePythonLiteral(unwrapNumpyScalar(data));
  } catch {
    return data;
  }
}

/** numpy >= 2 reprs scalars as `np.float64(500.0)` and `np.True_`; the value inside is a plain literal. */
function unwrapNumpyScalar(data: string): string {
  const bool = /^np\.(True|False)_$/.exec(data);
  if (bool) return bool[1] as string;
  const match = /^np\.\w+\((.*)\)$/.exec(data);
  return match ? (match[1] as string) : data;
}

export function toPlain(value: PyValue): DecodedAttribute {
  switch (value.type) {
    case "tuple":
    case "list":
      return value.value.map(toPlain);
    default:
      return value.value;
  }
}
