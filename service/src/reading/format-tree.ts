/**
 * A file's tree as indented text, one line per node: groups with their TITLE, datasets with
 * CLASS, dtype and shape and, for PyMoDAQ data nodes, their data_type and label. Formats both
 * the server-side tree (`h5saver inspect`) and the client's Browse result (the demo).
 */

export interface TreeShape {
  readonly name: string;
  readonly path: string;
  readonly kind: "group" | "dataset";
  readonly dataset?: { readonly dtype: string; readonly shape: readonly number[] };
  readonly children: readonly TreeShape[];
}

/** `attribute(node, name)`: the attribute as text, "" when absent. */
export function formatTree<N extends TreeShape>(
  root: N,
  attribute: (node: N, name: string) => string,
): string {
  const lines = [root.path];
  const visit = (node: N, depth: number) => {
    for (const child of node.children as readonly N[]) {
      const indent = "  ".repeat(depth);
      if (child.kind === "group") {
        const title = attribute(child, "TITLE");
        lines.push(`${indent}${child.name}/${title ? `  '${title}'` : ""}`);
        visit(child, depth + 1);
      } else {
        const kind = attribute(child, "data_type");
        const label = attribute(child, "label");
        lines.push(
          `${indent}${child.name}  ${attribute(child, "CLASS")} ${child.dataset?.dtype ?? "?"} [${(child.dataset?.shape ?? []).join(", ")}]` +
            `${kind ? `  ${kind}` : ""}${label ? ` '${label}'` : ""}`,
        );
      }
    }
  };
  visit(root, 1);
  return lines.join("\n");
}
