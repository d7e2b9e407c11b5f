import type { Compression } from "../backend/h5-backend.ts";
import { SaverError } from "../errors.ts";
import type { Axis } from "../model/axis.ts";
import type { DataToExport } from "../model/data-to-export.ts";
import type { DataDistribution } from "../model/data-with-axes.ts";
import { allocate, dtypeOfArray, product } from "../model/dtype.ts";
import { addAxes, dataAttributes, errorTitle } from "./dwa-nodes.ts";
import { checkFrameLayout, type FrameLayout, frameLayoutOf } from "./frame-shape.ts";
import { NAV_AXES } from "./node-names.ts";
import { py } from "./pymodaq-attribute.ts";
import type { PyMoDAQTree } from "./pymodaq-tree.ts";

export interface ScanDefinition {
  readonly title: string;
  readonly settingsXml: string;
  /** Points along each navigation dimension, e.g. [Nx, Ny] (add a last dimension for averaging). */
  readonly shape: readonly number[];
  readonly navAxes: readonly Axis[];
  readonly distribution?: DataDistribution;
}

interface ScanDetector {
  layout: FrameLayout;
  /** Per DataWithAxes, the paths of its Data00… nodes. */
  nodes: string[][];
  signalShapes: number[][];
}

/**
 * DAQ_Scan (`DataToExportExtendedSaver`): `Scan000` with a shared `NavAxes`, and per detector
 * CARRAYs of shape scan shape + frame shape, allocated at the first point and filled in place.
 */
export class Scan {
  readonly path: string;
  readonly definition: ScanDefinition;
  readonly #tree: PyMoDAQTree;
  readonly #compression: Compression;
  readonly #detectors = new Map<string, ScanDetector | undefined>();
  readonly #broken = new Map<string, SaverError>();
  #done = false;

  private constructor(tree: PyMoDAQTree, path: string, definition: ScanDefinition, compression: Compression) {
    this.#tree = tree;
    this.path = path;
    this.definition = definition;
    this.#compression = compression;
  }

  static async begin(tree: PyMoDAQTree, definition: ScanDefinition, compression: Compression): Promise<Scan> {
    checkScanDefinition(definition);
    const path = await tree.addScanGroup(definition.title, definition.settingsXml);
    const navGroup = await tree.getSetGroup(path, NAV_AXES);
    await addAxes(tree, navGroup, definition.navAxes, 0, compression);
    return new Scan(tree, path, definition, compression);
  }

  get done(): boolean {
    return this.#done;
  }

  async addDetector(title: string, settingsXml: string): Promise<string> {
    this.#checkOpen();
    const path = await this.#tree.addDetGroup(this.path, title, settingsXml);
    this.#detectors.set(path, undefined);
    return path;
  }

  /** Saves one acquisition of `detector` at the scan point `indexes` (one index per scan dimension). */
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
      try {
        state = await this.#createNodes(detector, dte);
      } catch (error) {
        // half-made nodes stay in the file: never build them again on top
        this.#broken.set(detector, SaverError.from(error, "io_error"));
        throw error;
      }
      this.#detectors.set(detector, state);
    } else {
      checkFrameLayout(state.layout, dte, `scan ${this.path}, ${detector}`);
    }
    for (const [d, dwa] of dte.data.entries()) {
      const signal = state.signalShapes[d] ?? [];
      for (const [i, array] of [...dwa.data, ...(dwa.errors ?? [])].entries()) {
        const node = state.nodes[d]?.[i];
        if (!node) continue;
        await this.#tree.backend.writeSlice(
          node,
          [...indexes, ...signal.map(() => 0)],
          [...indexes.map(() => 1), ...signal],
          array,
        );
      }
    }
  }

  /** Marks the scan complete (`scan_done = True`), as DAQ_Scan does at its end. */
  async end(): Promise<void> {
    if (this.#done) return;
    await this.#tree.setAttributes(this.path, { scan_done: py.bool(true) });
    this.#done = true;
  }

  #checkOpen(): void {
    if (this.#done)
      throw new SaverError("failed_precondition", `the scan ${this.path} has ended; begin a new scan`);
  }

  async #createNodes(detector: string, dte: DataToExport): Promise<ScanDetector> {
    const tree = this.#tree;
    const scanShape = this.definition.shape;
    const navIndexes = scanShape.map((_, k) => k);
    const nodes: string[][] = [];
    const signalShapes: number[][] = [];
    for (const dwa of dte.data) {
      // 0D data adds no dimension of its own: its nodes have the scan's shape.
      const signal = dwa.dim === "Data0D" ? [] : [...dwa.shape];
      const full = [...scanShape, ...signal];
      const dimGroup = await tree.addDataGroup(detector, dwa.dim);
      const channel = await tree.addChannelGroup(dimGroup, dwa.name, dwa.origin);
      const paths: string[] = [];
      const overrides = {
        navIndexes: [...navIndexes, ...dwa.navIndexes.map((n) => n + scanShape.length)],
        distribution: this.definition.distribution ?? "uniform",
      };
      for (const i of dwa.data.keys()) {
        paths.push(
          await tree.addCArray(channel, i, undefined, full, {
            kind: "data",
            dtype: dwa.dtype,
            title: dwa.name,
            compression: this.#compression,
            attributes: dataAttributes(dwa, i, overrides),
          }),
        );
      }
      for (const [i, errors] of (dwa.errors ?? []).entries()) {
        const dtype = dtypeOfArray(errors);
        paths.push(
          await tree.addCArray(channel, i, undefined, full, {
            kind: "error",
            dtype,
            title: errorTitle(dwa),
            compression: this.#compression,
            attributes: dataAttributes(dwa, i, { ...overrides, source: "calculated" }),
          }),
        );
      }
      await addAxes(tree, channel, dwa.axes, scanShape.length, this.#compression);
      for (const path of paths) await fillWithNaN(tree, path, full);
      nodes.push(paths);
      signalShapes.push(signal);
    }
    return { layout: frameLayoutOf(dte), nodes, signalShapes };
  }
}

/** Bytes of NaN written per HDF5 call when a scan's arrays are allocated. */
const FILL_BLOCK_BYTES = 16 << 20;

/**
 * Points not yet measured read as NaN, PyMoDAQ's default fill value (integer arrays keep HDF5's
 * zero fill). Written block by block, so a scan larger than memory can still be allocated.
 */
async function fillWithNaN(tree: PyMoDAQTree, path: string, shape: readonly number[]): Promise<void> {
  const info = await tree.backend.datasetInfo(path);
  if (info.dtype !== "float32" && info.dtype !== "float64") return;
  // iterate over the leading dimensions until one block of the trailing ones fits FILL_BLOCK_BYTES
  let lead = 0;
  while (lead < shape.length && product(shape.slice(lead)) * 8 > FILL_BLOCK_BYTES) lead++;
  const blockShape = shape.slice(lead);
  const block = allocate(info.dtype, product(blockShape)) as Float64Array | Float32Array;
  block.fill(Number.NaN);
  const index = shape.slice(0, lead).map(() => 0);
  for (let n = product(shape.slice(0, lead)); n > 0; n--) {
    await tree.backend.writeSlice(
      path,
      [...index, ...blockShape.map(() => 0)],
      [...index.map(() => 1), ...blockShape],
      block,
    );
    for (let k = lead - 1; k >= 0; k--) {
      index[k] = (index[k] ?? 0) + 1;
      if ((index[k] ?? 0) < (shape[k] ?? 0)) break;
      index[k] = 0;
    }
  }
}

function checkScanDefinition(definition: ScanDefinition): void {
  if (definition.shape.length === 0) {
    throw new SaverError("invalid_data", "scan.shape: a scan needs at least one dimension", {
      field: "shape",
    });
  }
  definition.shape.forEach((n, k) => {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new SaverError("invalid_data", `scan.shape[${k}]: must be an integer >= 1, got ${n}`, {
        field: `shape[${k}]`,
      });
    }
  });
  if (!Number.isSafeInteger(product(definition.shape))) {
    throw new SaverError(
      "invalid_data",
      `scan.shape: [${definition.shape}] has more points than can be counted`,
      { field: "shape" },
    );
  }
  definition.navAxes.forEach((axis, k) => {
    const extent = definition.shape[axis.index];
    if (extent === undefined || axis.data.length !== extent) {
      throw new SaverError(
        "invalid_data",
        `scan.navAxes[${k}]: axis '${axis.label}' has ${axis.data.length} values for scan dimension ${axis.index} of size ${extent ?? "none"}`,
        { field: `navAxes[${k}]` },
      );
    }
  });
}

/** What both layouts' scans check before a point is written: the detector, the indexes, its arrays. */
export function checkScanPoint(
  scan: {
    readonly path: string;
    readonly shape: readonly number[];
    readonly known: boolean;
    readonly broken?: SaverError | undefined;
  },
  detector: string,
  indexes: readonly number[],
): void {
  if (!scan.known) {
    throw new SaverError(
      "not_found",
      `'${detector}' is not a detector of ${scan.path}; add it with addDetector`,
      {
        node: detector,
      },
    );
  }
  const shape = scan.shape;
  if (
    indexes.length !== shape.length ||
    indexes.some((v, k) => !Number.isInteger(v) || v < 0 || v >= (shape[k] ?? 0))
  ) {
    throw new SaverError(
      "out_of_range",
      `scan index [${indexes}] is outside the scan shape [${shape}]: give one index per scan dimension, each in 0..n-1`,
      { field: "indexes" },
    );
  }
  if (scan.broken) {
    throw new SaverError(
      "failed_precondition",
      `${detector} of ${scan.path} could not create its arrays (${scan.broken.message}); add the detector again to retry`,
      { node: detector },
    );
  }
}
