/** Test frames of a camera: one 1 MiB image (512 × 1024 uint16) holding `k` in every pixel. */
import type { DataToExportInput } from "../model/data-to-export.ts";

export function cameraFrame(k: number): DataToExportInput {
  return {
    name: "camera",
    timestamp: 1_700_000_000 + k,
    data: [{ name: "image", data: [new Uint16Array(512 * 1024).fill(k)], shape: [512, 1024] }],
  };
}
