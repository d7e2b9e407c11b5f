/**
 * PyMoDAQ's Logger rows are `pickle.dumps(str)`, read back with `pickle.loads`. h5wasm can create
 * neither the variable-length uint8 rows PyTables uses nor append to a variable-length string
 * dataset, so the Logger is an enlargeable dataset of fixed-width ASCII rows, each a protocol-0
 * pickle (`V<text>\n.`): pure ASCII with no NUL, since every character outside printable ASCII,
 * and the backslash, is written as `\uXXXX` / `\UXXXXXXXX`, which pickle's raw-unicode-escape
 * decoder turns back into the character. `pickle.loads` of a row returns the line, so PyMoDAQ's
 * StringARRAY reads the lines through its h5py backend (5.3's default) and h5py reads them too;
 * PyTables, which expects a variable-length type behind CLASS VLARRAY, cannot read this one node.
 */
export const LOG_ROW_BYTES = 1024;

/** The line as one or more rows of at most `width` bytes (a longer line is split into pieces). */
export function pickleRows(line: string, width: number): string[] {
  const rows: string[] = [];
  let piece = "";
  let size = 3; // "V" + "\n."
  for (const ch of line) {
    const escaped = pickleProtocol0(ch).length - 3;
    if (size + escaped > width && piece.length > 0) {
      rows.push(pickleProtocol0(piece));
      piece = "";
      size = 3;
    }
    piece += ch;
    size += escaped;
  }
  rows.push(pickleProtocol0(piece));
  return rows;
}

export function pickleProtocol0(text: string): string {
  let out = "V";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x7f && ch !== "\\") out += ch;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}\n.`;
}

/** The inverse, for the protocol-0 rows h5saver writes (other pickles are not decoded here). */
export function unpickleProtocol0(row: string): string | undefined {
  if (!row.startsWith("V") || !row.endsWith("\n.")) return undefined;
  const body = row.slice(1, -2).replace(/\np\d+$/, "");
  return body.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string, u8: string) =>
    String.fromCodePoint(Number.parseInt(u4 ?? u8, 16)),
  );
}

/**
 * The str in a binary pickle of one str, as PyMoDAQ writes Logger rows (`pickle.dumps(line)`,
 * protocols 2–5: PROTO, optional FRAME, SHORT_BINUNICODE / BINUNICODE, MEMOIZE, STOP).
 */
export function unpickleStr(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  if (bytes[i] === 0x80) i += 2; // PROTO n
  if (bytes[i] === 0x95) i += 9; // FRAME <u64 length>
  let length: number;
  if (bytes[i] === 0x8c) {
    length = bytes[i + 1] ?? 0; // SHORT_BINUNICODE <u8 length>
    i += 2;
  } else if (bytes[i] === 0x58) {
    length = view.getUint32(i + 1, true); // BINUNICODE <u32 length>
    i += 5;
  } else {
    return undefined;
  }
  if (i + length > bytes.length) return undefined;
  return new TextDecoder().decode(bytes.subarray(i, i + length));
}
