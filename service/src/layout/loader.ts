import type { H5Backend, NodeEntry } from "../backend/h5-backend.ts";
import { SaverError } from "../errors.ts";
import type { AxisInput } from "../model/axis.ts";
import {
  type AttributeValue,
  createDataWithAxes,
  type DataDistribution,
  type DataSource,
  type DataWithAxes,
  PYMODAQ_NODE_ATTRIBUTES,
} from "../model/data-with-axes.ts";
import type { NumericArray } from "../model/dtype.ts";
import { unpickleProtocol0, unpickleStr } from "./log-pickle.ts";
import { join, LOGGER, NAV_AXES } from "./node-names.ts";
import { type DecodedAttribute, decodeAttribute } from "./pymodaq-attribute.ts";
import { SETTINGS_DATASET } from "./pymodaq-tree.ts";

const CONSUMED = new Set(PYMODAQ_NODE_ATTRIBUTES);

export interface LoadedData {
  /** The first array node of the DataWithAxes (`…/CH00/Data00`). */
  readonly path: string;
  readonly dwa: DataWithAxes;
}

export type Attributes = Record<string, DecodedAttribute>;

/**
 * Reads PyMoDAQ-layout files (written by h5saver or by PyMoDAQ) back into domain objects, the way
 * pymodaq_data's `DataLoader.load_data(load_all=True)` does: one DataWithAxes per channel group
 * and array kind, with its signal axes and the navigation axes of the nearest `NavAxes` group above.
 */
export class PyMoDAQLoader {
  readonly #backend: H5Backend;

  constructor(backend: H5Backend) {
    this.#backend = backend;
  }

  async attributes(path: string): Promise<Attributes> {
    const raw = await this.#backend.getAttributes(path);
    const out: Attributes = {};
    for (const [name, value] of Object.entries(raw)) out[name] = decodeAttribute(value);
    return out;
  }

  /** Every DataWithAxes in the file, in tree order. */
  async loadAll(where = "/"): Promise<LoadedData[]> {
    const out: LoadedData[] = [];
    const visit = async (group: string): Promise<void> => {
      const children = await this.#backend.children(group);
      const byKind = new Map<string, string[]>();
      for (const child of children) {
        const path = join(group, child.name);
        if (child.kind === "group") continue;
        const kind = (await this.attributes(path)).data_type;
        if (typeof kind === "string") byKind.set(kind, [...(byKind.get(kind) ?? []), path]);
      }
      const companions = {
        errors: await this.#readAll(byKind.get("error")),
        background: await this.#readAll(byKind.get("bkg")),
      };
      for (const kind of ["data", "data_enlargeable"]) {
        const paths = byKind.get(kind)?.sort();
        if (!paths) continue;
        // an enlargeable array no frame reached yet holds no DataWithAxes
        if ((await this.#backend.datasetInfo(paths[0] as string)).shape.includes(0)) continue;
        out.push({
          path: paths[0] as string,
          dwa: await this.#loadArrays(group, paths, children, companions),
        });
      }
      for (const child of children) if (child.kind === "group") await visit(join(group, child.name));
    };
    await visit(where);
    return out;
  }

  /** The module settings XML of a group, following h5saver's spill dataset when it was used. */
  async settings(group: string): Promise<string> {
    const spill = join(group, SETTINGS_DATASET);
    if (await this.#backend.exists(spill)) {
      return new TextDecoder().decode(await this.#backend.read(spill));
    }
    const value = (await this.attributes(group)).settings;
    if (value instanceof Uint8Array) return new TextDecoder().decode(value);
    return typeof value === "string" ? value : "";
  }

  /** The lines of /RawData/Logger, written by h5saver (protocol-0 rows) or PyMoDAQ (binary pickles). */
  async logLines(): Promise<string[]> {
    if (!(await this.#backend.exists(LOGGER))) return [];
    const info = await this.#backend.datasetInfo(LOGGER);
    if (info.dtype === "string") {
      return (await this.#backend.readStrings(LOGGER)).map((row) => unpickleProtocol0(row) ?? row);
    }
    const rows = await this.#backend.readByteRows(LOGGER);
    return rows.map((row, i) => {
      const line = unpickleStr(row);
      if (line === undefined) {
        throw new SaverError("failed_precondition", `${LOGGER} row ${i} is not a pickled str`, {
          node: LOGGER,
        });
      }
      return line;
    });
  }

  async #readAll(paths: string[] | undefined): Promise<NumericArray[] | undefined> {
    if (!paths) return undefined;
    const arrays: NumericArray[] = [];
    for (const path of paths.sort()) arrays.push(await this.#backend.read(path));
    return arrays;
  }

  async #loadArrays(
    group: string,
    paths: string[],
    siblings: NodeEntry[],
    companions: { errors: NumericArray[] | undefined; background: NumericArray[] | undefined },
  ): Promise<DataWithAxes> {
    const first = await this.attributes(paths[0] as string);
    const data: NumericArray[] = [];
    const labels: string[] = [];
    const extra: Record<string, AttributeValue> = {};
    let shape: number[] = [];
    for (const path of paths) {
      const attributes = await this.attributes(path);
      data.push(await this.#backend.read(path));
      labels.push(String(attributes.label ?? ""));
      shape = (await this.#backend.datasetInfo(path)).shape;
    }
    for (const [name, value] of Object.entries(first)) {
      if (CONSUMED.has(name)) continue;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
        extra[name] = value;
    }
    const navIndexes = toIntList(first.nav_indexes);
    // PyMoDAQ squeezes every dimension of size 1 that is not navigation (0D EnlData (N, 1) → (N,)).
    const kept = shape.map((d, i) => d !== 1 || navIndexes.includes(i));
    const squeezed = shape.filter((_, i) => kept[i]);
    const finalShape = squeezed.length > 0 ? squeezed : [1];
    const newIndex = (i: number) => kept.slice(0, i).filter(Boolean).length;
    const axes: AxisInput[] = [];
    for (const sibling of siblings) {
      if (sibling.kind !== "dataset") continue;
      const axis = await this.#axis(join(group, sibling.name));
      // an axis of a squeezed (size-1) dimension goes with it
      if (axis && kept[axis.index ?? 0] === true) axes.push({ ...axis, index: newIndex(axis.index ?? 0) });
    }
    axes.push(...(await this.#navAxes(group)));
    const dtype = String(first.dtype ?? "");
    return createDataWithAxes(
      {
        name: String((await this.attributes(group)).TITLE ?? ""),
        data,
        shape: finalShape,
        ...(dtype === "bool" ? { dtype: "bool" as const } : {}),
        source: (first.source === "calculated" ? "calculated" : "raw") as DataSource,
        distribution: (first.distribution === "spread" ? "spread" : "uniform") as DataDistribution,
        labels,
        units: typeof first.units === "string" ? first.units : "",
        origin: typeof first.origin === "string" ? first.origin : "",
        axes,
        navIndexes: navIndexes.map(newIndex),
        extraAttributes: extra,
        timestamp: typeof first.timestamp === "number" ? first.timestamp : 0,
        ...(companions.errors?.length === data.length ? { errors: companions.errors } : {}),
        ...(companions.background?.length === data.length ? { background: companions.background } : {}),
      },
      paths[0],
    );
  }

  async #axis(path: string): Promise<AxisInput | undefined> {
    const attributes = await this.attributes(path);
    if (attributes.data_type !== "axis") return undefined;
    return {
      label: String(attributes.label ?? ""),
      units: String(attributes.units ?? ""),
      index: Number(attributes.index ?? 0),
      spreadOrder: Number(attributes.spread_order ?? 0),
      data: await this.#backend.read(path),
    };
  }

  /** The axes of the nearest `NavAxes` group found walking up from `group` (PyMoDAQ's get_nav_group). */
  async #navAxes(group: string): Promise<AxisInput[]> {
    let current = group;
    for (;;) {
      const children = await this.#backend.children(current);
      const nav = children.find((c) => c.kind === "group" && c.name.toLowerCase() === NAV_AXES.toLowerCase());
      if (nav) {
        const navPath = join(current, nav.name);
        const axes: AxisInput[] = [];
        for (const child of await this.#backend.children(navPath)) {
          const axis = child.kind === "dataset" ? await this.#axis(join(navPath, child.name)) : undefined;
          if (axis) axes.push(axis);
        }
        return axes;
      }
      if (current === "/") return [];
      current = current.slice(0, current.lastIndexOf("/")) || "/";
    }
  }
}

function toIntList(value: DecodedAttribute | undefined): number[] {
  if (Array.isArray(value)) return value.map(Number);
  if (value === undefined || value === null) return [];
  throw new SaverError("failed_precondition", `nav_indexes must be a tuple, got ${String(value)}`);
}
