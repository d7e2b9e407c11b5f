import type { DataDim } from "../model/data-with-axes.ts";
import { zeroPad } from "../model/text.ts";

/** PyMoDAQ's array kinds (`DataType`): the `data_type` attribute and the node-name prefix. */
export const ARRAY_KINDS = {
  data: "Data",
  axis: "Axis",
  bkg: "Bkg",
  error: "ErrorBar",
  data_enlargeable: "EnlData",
  strings: "Strings",
} as const;
export type ArrayKind = keyof typeof ARRAY_KINDS;

export type GroupType = "detector" | "scan" | "actuator";

export const RAW_GROUP = "/RawData";
export const LOGGER = `${RAW_GROUP}/Logger`;
export const NAV_AXES = "NavAxes";

/** `Data00`, `Axis01`, `EnlData00` … */
export function arrayNodeName(kind: ArrayKind, index: number): string {
  return `${ARRAY_KINDS[kind]}${zeroPad(index, 2)}`;
}

/** `Detector000`, `Scan001`, `Actuator000` … */
export function incrementalGroupName(type: GroupType, index: number): string {
  return `${type[0]?.toUpperCase()}${type.slice(1)}${zeroPad(index, 3)}`;
}

export function channelGroupName(index: number): string {
  return `CH${zeroPad(index, 2)}`;
}

export function dimGroupName(dim: DataDim): string {
  return dim;
}

export function join(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** The index in a name such as `Detector012` or `CH03`, or undefined if it has another prefix. */
export function indexOfName(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const digits = name.slice(prefix.length);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}
