import type { H5Backend } from "../backend/h5-backend.ts";
import { join } from "../layout/node-names.ts";
import { decodeAttribute } from "../layout/pymodaq-attribute.ts";

/**
 * The file as an indented tree, one line per node: groups with their TITLE, datasets with
 * CLASS, shape and dtype and, for data nodes, PyMoDAQ's data_type and label.
 */
export async function formatTree(backend: H5Backend, where = "/"): Promise<string> {
  const lines: string[] = [];
  const visit = async (path: string, depth: number): Promise<void> => {
    for (const child of await backend.children(path)) {
      const childPath = join(path, child.name);
      const attrs = await backend.getAttributes(childPath);
      const text = (name: string) => {
        const value = decodeAttribute(attrs[name]);
        return value === undefined || value === null ? "" : String(value);
      };
      const indent = "  ".repeat(depth);
      if (child.kind === "group") {
        const title = text("TITLE");
        lines.push(`${indent}${child.name}/${title ? `  '${title}'` : ""}`);
        await visit(childPath, depth + 1);
      } else {
        const info = await backend.datasetInfo(childPath);
        const kind = text("data_type");
        const label = text("label");
        lines.push(
          `${indent}${child.name}  ${text("CLASS")} ${info.dtype} [${info.shape.join(", ")}]` +
            `${kind ? `  ${kind}` : ""}${label ? ` '${label}'` : ""}`,
        );
      }
    }
  };
  lines.push(where);
  await visit(where, 1);
  return lines.join("\n");
}
