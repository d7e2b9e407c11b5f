import type { H5Backend } from "../../backend/h5-backend.ts";
import type { AxisInput, ExplicitAxisInput } from "../../model/axis.ts";
import { createDataWithAxes, type DataWithAxes } from "../../model/data-with-axes.ts";
import { isDType, type NumericArray } from "../../model/dtype.ts";
import type { LoadedData } from "../loader.ts";
import { unpickleProtocol0, unpickleStr } from "../log-pickle.ts";
import { join } from "../node-names.ts";
import { type DecodedAttribute, decodeAttribute } from "../pymodaq-attribute.ts";
import { LOGGER_V3, RAW_GROUP_V3 } from "./v3-tree.ts";

type Attributes = Record<string, DecodedAttribute>;

/** True when the file holds PyMoDAQ 3's `Raw_datas` tree (written by PyMoDAQ 3 or h5saver's pymodaq3 layout). */
export async function isLayoutV3(backend: H5Backend): Promise<boolean> {
  return (await backend.exists(RAW_GROUP_V3)) && !(await backend.exists("/RawData"));
}

/**
 * Reads PyMoDAQ 3.x files back into domain objects the way PyMoDAQ 3's `get_h5_data_from_node`
 * does: one DataWithAxes per `Data` node (a 3.x channel holds one array), its `X_axis`/`Y_axis`
 * siblings as signal axes, its `Bkg` as background, and — when it has a scan type — the
 * `navigation_axis` arrays of the nearest group of type 'scan' above it (and that group's
 * siblings, where PyMoDAQ 3's logger keeps them) as navigation axes, on the leading dimensions.
 */
export class PyMoDAQ3Loader {
  readonly #backend: H5Backend;

  constructor(backend: H5Backend) {
    this.#backend = backend;
  }

  async attributes(path: string): Promise<Attributes> {
    const out: Attributes = {};
    for (const [name, value] of Object.entries(await this.#backend.getAttributes(path))) {
      out[name] = decodeAttribute(value);
    }
    return out;
  }

  async loadAll(where = "/"): Promise<LoadedData[]> {
    const out: LoadedData[] = [];
    const visit = async (group: string): Promise<void> => {
      for (const child of await this.#backend.children(group)) {
        const path = join(group, child.name);
        if (child.kind === "group") await visit(path);
        else if ((await this.attributes(path)).type === "data") {
          // an enlargeable array no frame reached yet holds no data
          if ((await this.#backend.datasetInfo(path)).shape.includes(0)) continue;
          out.push({ path, dwa: await this.load(path) });
        }
      }
    };
    await visit(where);
    return out;
  }

  async load(path: string): Promise<DataWithAxes> {
    const attributes = await this.attributes(path);
    const channel = parentOf(path);
    const channelTitle = String((await this.attributes(channel)).TITLE ?? "");
    const stored = (await this.#backend.datasetInfo(path)).shape;
    // PyMoDAQ 3 reads the positions of adaptive scans point by point, others as np.unique
    const adaptive = text(attributes.scan_subtype).toLowerCase() === "adaptive";
    // adaptive and Tabular scans visit spread points: every navigation array holds one position per point
    const spread = adaptive || text(attributes.scan_type).toLowerCase() === "tabular";
    const siblings = new Set((await this.#backend.children(channel)).map((c) => c.name));
    const navAxes = text(attributes.scan_type)
      ? await this.#navAxes(path, spread)
      : text(attributes.data_dimension) === "ND"
        ? await this.#ndNavAxes(channel, siblings, stored)
        : [];
    // leading dimensions are navigation: the scan's, or the rows of an enlargeable array
    const navCount = Math.min(
      stored.length,
      navAxes.length > 0 ? Math.max(...navAxes.map((a) => a.index ?? 0)) + 1 : 0,
    );
    const frame = stored.slice(navCount);
    const axes: AxisInput[] = [];
    const signalIndex = { X_axis: navCount + frame.length - 1, Y_axis: navCount + frame.length - 2 };
    for (const name of ["X_axis", "Y_axis"] as const) {
      const index = signalIndex[name];
      if (!siblings.has(name) || index < navCount) continue;
      const axisPath = join(channel, name);
      const axisAttributes = await this.attributes(axisPath);
      const data = await this.#backend.read(axisPath);
      if (data.length !== stored[index]) continue;
      axes.push({ label: text(axisAttributes.label), units: text(axisAttributes.units), index, data });
    }
    for (const axis of navAxes) {
      const size = stored[axis.index ?? 0];
      if (size !== undefined && axis.data.length === size) axes.push(axis);
    }
    const background = siblings.has("Bkg") ? [await this.#backend.read(join(channel, "Bkg"))] : undefined;
    const dtype = text(attributes.dtype);
    return createDataWithAxes(
      {
        name: text(attributes.name) || channelTitle,
        data: [await this.#backend.read(path)],
        shape: stored.length > 0 ? stored : [1],
        ...(isDType(dtype) && dtype === "bool" ? { dtype } : {}),
        source: attributes.source === "calculated" ? "calculated" : "raw",
        distribution: spread || attributes.distribution === "spread" ? "spread" : "uniform",
        labels: [text(attributes.label) || channelTitle],
        units: text(attributes.units),
        axes,
        navIndexes: stored.slice(0, navCount).map((_, i) => i),
        ...(background && background[0]?.length === product(stored) ? { background } : {}),
      },
      path,
    );
  }

  /** N-D data's own navigation axes: `Nav_y_axis` on dimension 0, `Nav_x_axis` on dimension 1 (PyMoDAQ 3's reader). */
  async #ndNavAxes(
    channel: string,
    siblings: Set<string>,
    stored: readonly number[],
  ): Promise<ExplicitAxisInput[]> {
    const axes: ExplicitAxisInput[] = [];
    for (const [index, name] of ["Nav_y_axis", "Nav_x_axis"].entries()) {
      if (!siblings.has(name)) continue;
      const attributes = await this.attributes(join(channel, name));
      const values = await this.#backend.read(join(channel, name));
      const data = values.length === stored[index] ? values : unique(values);
      axes.push({ label: text(attributes.label), units: text(attributes.units), index, data });
    }
    return axes;
  }

  /** The lines of `Raw_datas/Logger`: h5saver's fixed-width pickles or PyMoDAQ 3's variable-length ones. */
  async logLines(): Promise<string[]> {
    if (!(await this.#backend.exists(LOGGER_V3))) return [];
    if ((await this.#backend.datasetInfo(LOGGER_V3)).dtype === "string") {
      return (await this.#backend.readStrings(LOGGER_V3)).map((row) => unpickleProtocol0(row) ?? row);
    }
    return (await this.#backend.readByteRows(LOGGER_V3)).map((row) => unpickleStr(row) ?? "");
  }

  /**
   * `find_scan_node`: walk up to the first group of type 'scan'; its children and its parent's
   * children of type 'navigation_axis' are the navigation axes, at their `nav_index` (all on
   * the point dimension, in `nav_index` order, for spread points), with
   * PyMoDAQ 3's `np.unique` of the visited positions (sorted distinct values), or the positions
   * themselves for adaptive scans.
   */
  async #navAxes(path: string, pointByPoint: boolean): Promise<ExplicitAxisInput[]> {
    let current = parentOf(path);
    while ((await this.attributes(current)).type !== "scan") {
      if (current === "/") return [];
      current = parentOf(current);
    }
    const candidates = [current, ...(current === "/" ? [] : [parentOf(current)])];
    const axes: ExplicitAxisInput[] = [];
    const seen = new Set<number>();
    for (const group of candidates) {
      for (const child of await this.#backend.children(group)) {
        const childPath = join(group, child.name);
        if (child.kind !== "dataset") continue;
        const attributes = await this.attributes(childPath);
        if (attributes.type !== "navigation_axis") continue;
        const navIndex = Number(attributes.nav_index ?? 0);
        if (navIndex < 0 || seen.has(navIndex)) continue;
        seen.add(navIndex);
        axes.push({
          label: text(attributes.label),
          units: text(attributes.units),
          // spread points: every axis spans the one point dimension, in nav_index order
          index: pointByPoint ? 0 : navIndex,
          spreadOrder: pointByPoint ? navIndex : 0,
          data: pointByPoint
            ? await this.#backend.read(childPath)
            : unique(await this.#backend.read(childPath)),
        });
      }
    }
    return axes;
  }
}

function unique(values: NumericArray): Float64Array {
  return Float64Array.from(new Set(Array.from(values as ArrayLike<number>, Number))).sort();
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

function text(value: DecodedAttribute | undefined): string {
  return typeof value === "string" ? value : "";
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
