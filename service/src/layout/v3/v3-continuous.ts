import { text } from "../../backend/h5-backend.ts";
import { SaverError } from "../../errors.ts";
import type { DataToExport } from "../../model/data-to-export.ts";
import type { NumericArray } from "../../model/dtype.ts";
import { stoppedStreamError } from "../continuous-stream.ts";
import { checkFrameLayout, type FrameLayout, frameLayoutOf } from "../frame-shape.ts";
import { py } from "../pymodaq-attribute.ts";
import type { PyMoDAQTree } from "../pymodaq-tree.ts";
import { RowBuffer } from "../row-buffer.ts";
import { addAxesV3, addBackgroundV3, channelsOfDte, type WriteOptionsV3 } from "./v3-channels.ts";
import { addEArrayV3, addIncrementalGroupV3, castArray, getSetDataGroupV3 } from "./v3-tree.ts";

/** DAQ_Viewer 3's continuous saving: `add_scan_group("Continuous Saving")`. */
export const CONTINUOUS_SCAN_TITLE = "Continuous Saving";
/** `add_navigation_axis(..., 'x_axis')` of an H5Saver of save type 'detector'. */
export const TIME_AXIS_NAME = "Detector_x_axis";

/**
 * The groups DAQ_Viewer 3 makes when continuous saving starts (`set_continuous_save`): a new
 * `ScanNNN` titled "Continuous Saving" in `Raw_datas`, holding `Detector000` with the module's
 * title and settings — here those of `detector`, the group the caller made with addDetector.
 * PyMoDAQ 3's reader finds the time axis only under a group of type 'scan', hence the new group.
 */
export async function addContinuousGroupsV3(
  tree: PyMoDAQTree,
  detector: string,
): Promise<{ scan: string; detector: string }> {
  const attributes = await tree.backend.getAttributes(detector);
  const title = typeof attributes.TITLE === "string" ? attributes.TITLE : "";
  const scan = await addIncrementalGroupV3(tree, "scan", tree.rawGroup, CONTINUOUS_SCAN_TITLE, undefined, {
    description: py.str(""),
  });
  const streamDetector = await addIncrementalGroupV3(tree, "detector", scan, title, undefined);
  // the module's settings exactly as stored (spilled settings keep pointing at their dataset)
  const copied: Record<string, ReturnType<typeof text>> = {};
  for (const name of ["settings", "settings_size"]) {
    const value = attributes[name];
    if (typeof value === "string") copied[name] = text(value);
  }
  await tree.backend.setAttributes(streamDetector, copied);
  return { scan, detector: streamDetector };
}

/**
 * DAQ_Viewer 3's `do_save_continuous`: at the first frame a `Detector_x_axis` EARRAY in the scan
 * group (label 'Time axis', units 'second', seconds since the first frame, as DAQ_Viewer 3
 * records `perf_counter() - ini_time`) and, per array of each DataWithAxes, a `ChNNN` group with a
 * `Data` EARRAY `(N, *frame shape)` (`(N,)` for 0D) of scan_type 'scan1D' and its axes. Rows are
 * gathered per chunk by the shared RowBuffer.
 */
export class ContinuousStreamV3 {
  readonly detector: string;
  readonly scan: string;
  readonly #tree: PyMoDAQTree;
  readonly #options: WriteOptionsV3;
  #layout: FrameLayout | undefined;
  #buffers: RowBuffer[][] = [];
  #time: RowBuffer | undefined;
  #start = 0;
  #frames = 0;
  #ended = false;
  #broken: SaverError | undefined;
  readonly #elapsed = new Float64Array(1);

  constructor(tree: PyMoDAQTree, scan: string, detector: string, options: WriteOptionsV3) {
    this.#tree = tree;
    this.scan = scan;
    this.detector = detector;
    this.#options = options;
  }

  get frames(): number {
    return this.#frames;
  }

  get framesInFile(): number {
    let rows = this.#time?.fileRows ?? 0;
    for (const buffers of this.#buffers) for (const b of buffers) rows = Math.min(rows, b.fileRows);
    return rows;
  }

  async append(dte: DataToExport): Promise<void> {
    if (this.#ended) {
      throw new SaverError(
        "failed_precondition",
        `the continuous stream of ${this.detector} has ended; start a new one`,
      );
    }
    if (this.#broken) throw stoppedStreamError(this.detector, this.#frames, this.#broken);
    if (!this.#layout) {
      channelsOfDte(dte); // refuses what 3.x cannot hold before any node exists
      try {
        await this.#createNodes(dte);
      } catch (error) {
        this.#broken = SaverError.from(error, "io_error");
        throw error;
      }
    } else checkFrameLayout(this.#layout, dte, `continuous stream of ${this.detector}`);
    try {
      await this.#push(dte);
    } catch (error) {
      this.#broken = SaverError.from(error, "io_error");
      await this.#trimToCommonRows().catch(() => undefined);
      throw this.#broken;
    }
    this.#frames++;
  }

  async writeOut(): Promise<void> {
    try {
      for (const buffers of this.#buffers) for (const b of buffers) await b.writeOut();
      await this.#time?.writeOut();
    } catch (error) {
      this.#broken = SaverError.from(error, "io_error");
      await this.#trimToCommonRows().catch(() => undefined);
      throw this.#broken;
    }
  }

  async end(): Promise<void> {
    await this.writeOut();
    this.#ended = true;
  }

  async #push(dte: DataToExport): Promise<void> {
    for (const [d, dwa] of dte.data.entries()) {
      const buffers = this.#buffers[d] as RowBuffer[];
      for (const [i, array] of dwa.data.entries()) {
        await buffers[i]?.push(castArray(array as NumericArray, this.#options.dtype));
      }
    }
    this.#elapsed[0] = dte.timestamp - this.#start;
    await this.#time?.push(this.#elapsed);
  }

  async #trimToCommonRows(): Promise<void> {
    let rows = this.#time?.heldRows ?? 0;
    for (const buffers of this.#buffers) for (const b of buffers) rows = Math.min(rows, b.heldRows);
    for (const buffers of this.#buffers) for (const b of buffers) await b.trimTo(rows);
    await this.#time?.trimTo(rows);
    this.#frames = rows;
  }

  async #createNodes(dte: DataToExport): Promise<void> {
    const tree = this.#tree;
    const { compression, dtype } = this.#options;
    const time = await addEArrayV3(
      tree,
      this.scan,
      {
        name: TIME_AXIS_NAME,
        type: "navigation_axis",
        dtype: "float64",
        dataDimension: "1D",
        title: "Time axis",
        metadata: { nav_index: py.int(0), label: py.str("Time axis"), units: py.str("second") },
      },
      [],
      compression,
    );
    const all = channelsOfDte(dte);
    for (const [d, dwa] of dte.data.entries()) {
      const dimGroup = await getSetDataGroupV3(tree, this.detector, dwa.dim);
      const buffers: RowBuffer[] = [];
      for (const [i, chan] of (all[d] ?? []).entries()) {
        const channel = await addIncrementalGroupV3(tree, "ch", dimGroup, chan.title, undefined);
        await addAxesV3(tree, channel, chan, compression);
        const background = dwa.background?.[i];
        if (background) await addBackgroundV3(tree, channel, chan, background, dwa.shape, compression);
        const { path, chunkRows, rowChunks } = await addEArrayV3(
          tree,
          channel,
          {
            name: "Data",
            type: "data",
            dtype,
            dataDimension: chan.dataDimension,
            scanType: "scan1D",
            metadata: chan.metadata,
          },
          chan.frameShape,
          compression,
        );
        // rows over 2 MiB are cut into several chunks (pymodaq-tree's addEArray): a whole row is that many
        buffers.push(new RowBuffer(tree, path, dtype, chan.frameShape, chunkRows, false, rowChunks));
      }
      this.#buffers.push(buffers);
    }
    this.#time = new RowBuffer(tree, time.path, "float64", [], time.chunkRows);
    this.#start = dte.timestamp;
    this.#layout = frameLayoutOf(dte);
  }
}
