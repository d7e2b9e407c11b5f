import type { Compression } from "../../backend/h5-backend.ts";
import { SaverError } from "../../errors.ts";
import type { DataToExport } from "../../model/data-to-export.ts";
import { product } from "../../model/dtype.ts";
import { checkFrameLayout, type FrameLayout, frameLayoutOf } from "../frame-shape.ts";
import { py } from "../pymodaq-attribute.ts";
import type { PyMoDAQTree } from "../pymodaq-tree.ts";
import { checkScanPoint, type ScanDefinition } from "../scan.ts";
import { addAxesV3, addBackgroundV3, channelsOfDte, type WriteOptionsV3 } from "./v3-channels.ts";
import { addCArrayV3, addEArrayV3, addIncrementalGroupV3, castArray, getSetDataGroupV3 } from "./v3-tree.ts";

export type ScanTypeV3 = "Scan1D" | "Scan2D" | "Sequential" | "Tabular";

/**
 * DAQ_Scan 3's scan type (`scanner.py` SCAN_TYPES): a grid of 1, 2 or more dimensions, or — for
 * spread points (h5saver's `distribution: 'spread'`, one scan dimension with one navigation axis
 * per actuator) — a Tabular scan.
 */
export function scanTypeOf(definition: Pick<ScanDefinition, "shape" | "distribution">): ScanTypeV3 {
  if (definition.distribution === "spread") return "Tabular";
  const n = definition.shape.length;
  return n === 1 ? "Scan1D" : n === 2 ? "Scan2D" : "Sequential";
}

/** `utils.uncapitalize`, as `add_array` stores `scan_type` on data nodes: 'scan1D', 'sequential'. */
const uncapitalize = (name: string): string => `${name.slice(0, 1).toLowerCase()}${name.slice(1)}`;

/** DAQ_Scan 3's linear scans; h5saver's scans visit a grid, so always 'Linear'. */
const SCAN_SUBTYPE = "Linear";

/**
 * The navigation arrays DAQ_Scan 3 writes in `Scan000` (`add_navigation_axis`, save type 'scan'):
 * Scan1D `Scan_x_axis`; Scan2D `Scan_x_axis` / `Scan_y_axis` holding the position of every
 * visited point (x outer, y inner — the reader takes `np.unique`); Sequential `Scan_00_axis` …
 * holding each axis' values; Tabular `Scan_00_axis` … holding each actuator's position at every
 * point (in spread order; the reader shows them against a 'Scan index' axis).
 */
export function navigationArraysV3(
  definition: ScanDefinition,
): { name: string; navIndex: number; values: Float64Array }[] {
  const shape = definition.shape;
  if (scanTypeOf(definition) === "Tabular") {
    return [...definition.navAxes]
      .sort((a, b) => a.spreadOrder - b.spreadOrder)
      .map((axis, k) => ({
        name: `Scan_${String(k).padStart(2, "0")}_axis`,
        navIndex: k,
        values: asFloat64(axis),
      }));
  }
  const byIndex = shape.map((_, k) => definition.navAxes.find((a) => a.index === k));
  const values = byIndex.map(asFloat64);
  if (shape.length === 1) return [{ name: "Scan_x_axis", navIndex: 0, values: values[0] as Float64Array }];
  if (shape.length === 2) {
    const [nx = 0, ny = 0] = shape;
    const x = values[0] as Float64Array;
    const y = values[1] as Float64Array;
    const px = new Float64Array(nx * ny);
    const py_ = new Float64Array(nx * ny);
    for (let ix = 0; ix < nx; ix++) {
      for (let iy = 0; iy < ny; iy++) {
        px[ix * ny + iy] = x[ix] as number;
        py_[ix * ny + iy] = y[iy] as number;
      }
    }
    return [
      { name: "Scan_x_axis", navIndex: 0, values: px },
      { name: "Scan_y_axis", navIndex: 1, values: py_ },
    ];
  }
  return values.map((v, k) => ({ name: `Scan_${String(k).padStart(2, "0")}_axis`, navIndex: k, values: v }));
}

function asFloat64(axis: ScanDefinition["navAxes"][number] | undefined): Float64Array {
  return Float64Array.from((axis?.data ?? []) as ArrayLike<number>, Number);
}

export interface NavigationAxisOptionsV3 {
  readonly label: string;
  readonly units: string;
  /** The scan dimension it spans; -1 for DAQ_Scan 3's curvilinear coordinate of adaptive tabular scans. */
  readonly navIndex: number;
  /** An EARRAY that grows by one position per point (adaptive scans, continuous saving). */
  readonly enlargeable?: boolean;
  readonly title?: string;
  readonly compression: Compression;
}

/**
 * `add_navigation_axis(data, parent_group, axis, enlargeable, title, metadata)`: a float64
 * CARRAY of the positions (or an empty EARRAY to append them to), type 'navigation_axis',
 * data_dimension '1D', with `units`, `label` and `nav_index` as DAQ_Scan 3 passes them.
 */
export async function addNavigationAxisV3(
  tree: PyMoDAQTree,
  where: string,
  name: string,
  values: Float64Array,
  options: NavigationAxisOptionsV3,
): Promise<string> {
  const spec = {
    name,
    type: "navigation_axis" as const,
    dtype: "float64" as const,
    dataDimension: "1D" as const,
    ...(options.title ? { title: options.title } : {}),
    metadata: {
      units: py.str(options.units),
      label: py.str(options.label),
      nav_index: py.int(options.navIndex),
    },
  };
  if (options.enlargeable) return (await addEArrayV3(tree, where, spec, [], options.compression)).path;
  return addCArrayV3(tree, where, spec, [values.length], values, options.compression);
}

interface DetectorNodes {
  layout: FrameLayout;
  /** Per DataWithAxes, per array: its `Data` node and its frame shape. */
  nodes: { path: string; frameShape: readonly number[] }[][];
}

/**
 * DAQ_Scan 3 (`DAQ_Scan_Acquisition.init_data` / `det_done`): `ScanNNN` with its navigation
 * arrays, per detector `DetectorNNN/DataND/ChNNN/Data` CARRAYs of scan shape + frame shape
 * (zeros until measured, as `add_data(init=True, add_scan_dim=True)` allocates them) filled
 * point by point in place.
 */
export class ScanV3 {
  readonly path: string;
  readonly definition: ScanDefinition;
  readonly #tree: PyMoDAQTree;
  readonly #options: WriteOptionsV3;
  readonly #detectors = new Map<string, DetectorNodes | undefined>();
  readonly #broken = new Map<string, SaverError>();
  #done = false;

  private constructor(tree: PyMoDAQTree, path: string, definition: ScanDefinition, options: WriteOptionsV3) {
    this.#tree = tree;
    this.path = path;
    this.definition = definition;
    this.#options = options;
  }

  static async begin(
    tree: PyMoDAQTree,
    definition: ScanDefinition,
    options: WriteOptionsV3,
  ): Promise<ScanV3> {
    checkScanDefinitionV3(definition);
    const path = await addIncrementalGroupV3(
      tree,
      "scan",
      tree.rawGroup,
      definition.title,
      definition.settingsXml,
      {
        description: py.str(""),
        scan_type: py.str(scanTypeOf(definition)),
        scan_done: py.bool(false),
      },
    );
    const tabular = scanTypeOf(definition) === "Tabular";
    const bySpreadOrder = [...definition.navAxes].sort((a, b) => a.spreadOrder - b.spreadOrder);
    for (const nav of navigationArraysV3(definition)) {
      const axis = tabular
        ? bySpreadOrder[nav.navIndex]
        : definition.navAxes.find((a) => a.index === nav.navIndex);
      await addNavigationAxisV3(tree, path, nav.name, nav.values, {
        label: axis?.label ?? "",
        units: axis?.units ?? "",
        navIndex: nav.navIndex,
        compression: options.compression,
      });
    }
    return new ScanV3(tree, path, definition, options);
  }

  get done(): boolean {
    return this.#done;
  }

  /** DAQ_Scan 3's detector group: `add_det_group(scan, settings_as_xml, metadata=dict(name=title))`. */
  async addDetector(title: string, settingsXml: string): Promise<string> {
    this.#checkOpen();
    const path = await addIncrementalGroupV3(this.#tree, "detector", this.path, title, settingsXml, {
      name: py.str(title),
    });
    this.#detectors.set(path, undefined);
    return path;
  }

  async savePoint(detector: string, indexes: readonly number[], dte: DataToExport): Promise<void> {
    this.#checkOpen();
    checkScanPoint(
      {
        path: this.path,
        shape: this.definition.shape,
        known: this.#detectors.has(detector),
        broken: this.#broken.get(detector),
      },
      detector,
      indexes,
    );
    let state = this.#detectors.get(detector);
    if (!state) {
      // channelsOfDte refuses what 3.x cannot hold before any node exists
      channelsOfDte(dte);
      try {
        state = await this.#createNodes(detector, dte);
      } catch (error) {
        this.#broken.set(detector, SaverError.from(error, "io_error"));
        throw error;
      }
      this.#detectors.set(detector, state);
    } else {
      checkFrameLayout(state.layout, dte, `scan ${this.path}, ${detector}`);
    }
    for (const [d, dwa] of dte.data.entries()) {
      for (const [i, array] of dwa.data.entries()) {
        const node = state.nodes[d]?.[i];
        if (!node) continue;
        const frame = node.frameShape;
        await this.#tree.backend.writeSlice(
          node.path,
          [...indexes, ...frame.map(() => 0)],
          [...indexes.map(() => 1), ...frame],
          castArray(array, this.#options.dtype),
        );
      }
    }
  }

  /** `scan_done = True`, as DAQ_Scan 3 sets it when the scan ends. */
  async end(): Promise<void> {
    if (this.#done) return;
    await this.#tree.setAttributes(this.path, { scan_done: py.bool(true) });
    this.#done = true;
  }

  #checkOpen(): void {
    if (this.#done)
      throw new SaverError("failed_precondition", `the scan ${this.path} has ended; begin a new scan`);
  }

  async #createNodes(detector: string, dte: DataToExport): Promise<DetectorNodes> {
    const tree = this.#tree;
    const scanShape = this.definition.shape;
    const scanType = uncapitalize(scanTypeOf(this.definition));
    const all = channelsOfDte(dte);
    const nodes: DetectorNodes["nodes"] = [];
    for (const [d, dwa] of dte.data.entries()) {
      const dimGroup = await getSetDataGroupV3(tree, detector, dwa.dim);
      const perArray: DetectorNodes["nodes"][number] = [];
      for (const [i, chan] of (all[d] ?? []).entries()) {
        const channel = await addIncrementalGroupV3(tree, "ch", dimGroup, chan.title, undefined);
        await addAxesV3(tree, channel, chan, this.#options.compression);
        const background = dwa.background?.[i];
        if (background) {
          await addBackgroundV3(tree, channel, chan, background, dwa.shape, this.#options.compression);
        }
        const path = await addCArrayV3(
          tree,
          channel,
          {
            name: "Data",
            type: "data",
            dtype: this.#options.dtype,
            dataDimension: chan.dataDimension,
            scanType,
            scanSubtype: SCAN_SUBTYPE,
            metadata: chan.metadata,
          },
          [...scanShape, ...chan.frameShape],
          undefined,
          this.#options.compression,
        );
        perArray.push({ path, frameShape: chan.frameShape });
      }
      nodes.push(perArray);
    }
    return { layout: frameLayoutOf(dte), nodes };
  }
}

function checkScanDefinitionV3(definition: ScanDefinition): void {
  const shape = definition.shape;
  if (shape.length === 0) {
    throw new SaverError("invalid_data", "scan.shape: a scan needs at least one dimension", {
      field: "shape",
    });
  }
  shape.forEach((n, k) => {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new SaverError("invalid_data", `scan.shape[${k}]: must be an integer >= 1, got ${n}`, {
        field: `shape[${k}]`,
      });
    }
  });
  if (!Number.isSafeInteger(product(shape))) {
    throw new SaverError("invalid_data", `scan.shape: [${shape}] has more points than can be counted`, {
      field: "shape",
    });
  }
  if (definition.distribution === "spread") {
    const [n] = shape;
    if (
      shape.length !== 1 ||
      definition.navAxes.length === 0 ||
      definition.navAxes.some((a) => a.index !== 0 || a.data.length !== n)
    ) {
      throw new SaverError(
        "invalid_data",
        `scan: a spread scan is DAQ_Scan 3's Tabular scan in the pymodaq3 layout: give one scan dimension (shape [N]) and per actuator one navigation axis of index 0 with the N positions`,
        { field: "navAxes" },
      );
    }
    return;
  }
  shape.forEach((n, k) => {
    const axes = definition.navAxes.filter((a) => a.index === k);
    if (axes.length !== 1 || axes[0]?.data.length !== n) {
      throw new SaverError(
        "invalid_data",
        `scan.navAxes: the pymodaq3 layout needs exactly one navigation axis of ${n} values for scan dimension ${k} (DAQ_Scan 3 writes one Scan_*_axis per actuator), got ${axes.length === 1 ? `${axes[0]?.data.length} values` : `${axes.length} axes`}`,
        { field: "navAxes" },
      );
    }
  });
}
