/**
 * Python's `repr` of the few value types PyMoDAQ stores in attributes, and a parser of the same
 * literals for reading files back. PyMoDAQ `eval`s what it reads, so what is written must be the
 * exact literal CPython would print (a bytes literal with a raw non-ASCII byte is a SyntaxError,
 * and PyMoDAQ then silently hands back the undecoded string).
 */

export type PyValue =
  | { readonly type: "str"; readonly value: string }
  | { readonly type: "bytes"; readonly value: Uint8Array }
  | { readonly type: "int"; readonly value: number | bigint }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "tuple"; readonly value: readonly PyValue[] }
  | { readonly type: "list"; readonly value: readonly PyValue[] }
  | { readonly type: "none"; readonly value: null }
  /** A numpy float64 scalar, as numpy >= 2 reprs it: `np.float64(500.0)`. */
  | { readonly type: "float64"; readonly value: number };

/** Characters `str.isprintable()` rejects: categories C* and Z* except the ASCII space. */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

export function reprStr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NON_PRINTABLE.test(ch)) out += hexEscape(code);
    else out += ch;
  }
  return out + quote;
}

export function reprBytes(bytes: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of bytes) {
    if (b === 0x27) hasSingle = true;
    if (b === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = `b${String.fromCharCode(quote)}`;
  for (const b of bytes) {
    if (b === quote || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, "0")}`;
    else out += String.fromCharCode(b);
  }
  return out + String.fromCharCode(quote);
}

function hexEscape(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, "0")}`;
  return `\\U${code.toString(16).padStart(8, "0")}`;
}

/** CPython's `repr(float)`: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
export function reprFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    // fixed: place the point `exponent + 1` digits into the digit string
    const point = exponent + 1;
    let text: string;
    if (point <= 0) text = `0.${"0".repeat(-point)}${digits}`;
    else if (point >= digits.length) text = `${digits}${"0".repeat(point - digits.length)}.0`;
    else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
    return sign + text;
  }
  const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expSign = exponent < 0 ? "-" : "+";
  return `${sign}${head}e${expSign}${Math.abs(exponent).toString().padStart(2, "0")}`;
}

export function repr(value: PyValue): string {
  switch (value.type) {
    case "str":
      return reprStr(value.value);
    case "bytes":
      return reprBytes(value.value);
    case "int":
      // a JS number past 1e21 prints as "1e+21"; Python ints never do
      return typeof value.value === "bigint" || Number.isSafeInteger(value.value)
        ? value.value.toString()
        : BigInt(value.value).toString();
    case "float":
      return reprFloat(value.value);
    case "float64":
      return `np.float64(${reprFloat(value.value)})`;
    case "bool":
      return value.value ? "True" : "False";
    case "none":
      return "None";
    case "tuple":
      if (value.value.length === 1) return `(${repr(value.value[0] as PyValue)},)`;
      return `(${value.value.map(repr).join(", ")})`;
    case "list":
      return `[${value.value.map(repr).join(", ")}]`;
  }
}

/** Parses the literals `repr` writes (and Python writes for these types); throws SyntaxError otherwise. */
export function parsePythonLiteral(text: string): PyValue {
  const parser = new LiteralParser(text);
  const value = parser.value();
  parser.end();
  return value;
}

class LiteralParser {
  #pos = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  end(): void {
    this.#skipSpace();
    if (this.#pos !== this.#text.length) this.#fail("trailing characters");
  }

  value(): PyValue {
    this.#skipSpace();
    const ch = this.#text[this.#pos];
    if (ch === "(" || ch === "[") return this.#sequence(ch);
    if (ch === "'" || ch === '"') return { type: "str", value: this.#string(false) as string };
    if (
      (ch === "b" || ch === "B") &&
      (this.#text[this.#pos + 1] === "'" || this.#text[this.#pos + 1] === '"')
    ) {
      this.#pos++;
      return { type: "bytes", value: this.#string(true) as Uint8Array };
    }
    for (const [word, result] of [
      ["True", { type: "bool", value: true }],
      ["False", { type: "bool", value: false }],
      ["None", { type: "none", value: null }],
      ["nan", { type: "float", value: Number.NaN }],
      ["inf", { type: "float", value: Number.POSITIVE_INFINITY }],
    ] as const) {
      if (this.#text.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return result;
      }
    }
    return this.#number();
  }

  #sequence(open: string): PyValue {
    const close = open === "(" ? ")" : "]";
    this.#pos++;
    const items: PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      this.#skipSpace();
      if (this.#text[this.#pos] === close) {
        this.#pos++;
        break;
      }
      items.push(this.value());
      this.#skipSpace();
      trailingComma = false;
      if (this.#text[this.#pos] === ",") {
        this.#pos++;
        trailingComma = true;
      } else if (this.#text[this.#pos] !== close) this.#fail(`expected ',' or '${close}'`);
    }
    if (open === "(" && items.length === 1 && !trailingComma) return items[0] as PyValue;
    return { type: open === "(" ? "tuple" : "list", value: items };
  }

  #number(): PyValue {
    const match = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|^-inf/.exec(this.#text.slice(this.#pos));
    if (!match) this.#fail("expected a value");
    const token = (match as RegExpExecArray)[0];
    this.#pos += token.length;
    if (token === "-inf") return { type: "float", value: Number.NEGATIVE_INFINITY };
    if (/^[-+]?\d+$/.test(token)) {
      const big = BigInt(token);
      const safe = big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER);
      return { type: "int", value: safe ? Number(big) : big };
    }
    return { type: "float", value: Number(token) };
  }

  #string(bytes: boolean): string | Uint8Array {
    const quote = this.#text[this.#pos];
    this.#pos++;
    const units: number[] = [];
    let out = "";
    const push = (code: number) => {
      if (bytes) units.push(code);
      else out += String.fromCodePoint(code);
    };
    for (;;) {
      const ch = this.#text[this.#pos];
      if (ch === undefined) this.#fail("unterminated string");
      if (ch === quote) {
        this.#pos++;
        break;
      }
      if (ch === "\\") {
        const next = this.#text[this.#pos + 1] ?? "";
        this.#pos += 2;
        const simple: Record<string, number> = {
          n: 10,
          r: 13,
          t: 9,
          "\\": 92,
          "'": 39,
          '"': 34,
          "0": 0,
          a: 7,
          b: 8,
          f: 12,
          v: 11,
        };
        if (next in simple) push(simple[next] as number);
        else if (next === "x") push(this.#hex(2));
        else if (next === "u" && !bytes) push(this.#hex(4));
        else if (next === "U" && !bytes) push(this.#hex(8));
        else if (next === "\n") continue;
        else {
          push(92);
          this.#pos--;
        }
        continue;
      }
      const code = this.#text.codePointAt(this.#pos) ?? 0;
      this.#pos += code > 0xffff ? 2 : 1;
      if (bytes && code > 0x7f) this.#fail("bytes literal with a non-ASCII character");
      push(code);
    }
    return bytes ? Uint8Array.from(units) : out;
  }

  #hex(length: number): number {
    const digits = this.#text.slice(this.#pos, this.#pos + length);
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== length) this.#fail("bad escape");
    this.#pos += length;
    return Number.parseInt(digits, 16);
  }

  #skipSpace(): void {
    while (this.#text[this.#pos] === " ") this.#pos++;
  }

  #fail(why: string): never {
    throw new SyntaxError(`not a Python literal (${why} at ${this.#pos}): ${this.#text.slice(0, 80)}`);
  }
}
