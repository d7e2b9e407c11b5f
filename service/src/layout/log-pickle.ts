/**
 * PyMoDAQ's Logger rows are `pickle.dumps(str)`, read back with `pickle.loads`. h5wasm can create
 * neither the variable-length uint8 rows PyTables uses nor append to a variable-length string
 * dataset, so the Logger is an enlargeable dataset of fixed-width ASCII rows, each a protocol-0
 * pickle (`V<text>\n.`): pure ASCII with no NUL, since every character outside printable ASCII,
 * and the backslash, is written as `\uXXXX` / `\UXXXXXXXX`, which pickle's raw-unicode-escape
 * decoder turns back into the character. `pickle.loads` of a row returns the line.
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
