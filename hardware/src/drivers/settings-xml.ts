/**
 * A detector's settings as the XML of PyMoDAQ's parameter tree (pyqtgraph Parameter →
 * `ioxml.parameter_to_xml_string`), which PyMoDAQ stores in the detector group's `settings`.
 */
export interface SettingParam {
  readonly name: string;
  readonly title: string;
  readonly value: number | string | boolean;
  /** pyqtgraph type; defaults from the value: int/float/bool/str. */
  readonly type?: "int" | "float" | "bool" | "str" | "list";
  readonly readonly?: boolean;
}

export function settingsXml(
  title: string,
  groups: Readonly<Record<string, readonly SettingParam[]>>,
): string {
  const parts = [`<All_settings type="group" title="${escapeXml(title)}">`];
  for (const [group, params] of Object.entries(groups)) {
    parts.push(`<${group} type="group" title="${escapeXml(titleCase(group))}">`);
    for (const p of params) {
      const type = p.type ?? inferType(p.value);
      const value = typeof p.value === "boolean" ? (p.value ? "1" : "0") : String(p.value);
      parts.push(
        `<${p.name} type="${type}" title="${escapeXml(p.title)}" value="${escapeXml(value)}"` +
          `${p.readonly ? ' readonly="1"' : ""}/>`,
      );
    }
    parts.push(`</${group}>`);
  }
  parts.push("</All_settings>");
  return parts.join("");
}

function inferType(value: number | string | boolean): "int" | "float" | "bool" | "str" {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string") return "str";
  return Number.isInteger(value) ? "int" : "float";
}

function titleCase(name: string): string {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
