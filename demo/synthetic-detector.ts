import type { DataToExportInput } from "@h5saver/service";

/**
 * A synthetic spectrometer-with-camera, standing in for real hardware until the drivers exist:
 * a 2048-pixel spectrum with a wavelength axis (1D), the integrated power (0D) and a small
 * camera image (2D), with a peak that drifts from frame to frame.
 */
export class SyntheticDetector {
  readonly title = "Synthetic spectrometer";
  readonly pixels: number;
  readonly imageSize: number;
  readonly #wavelengths: Float64Array;
  #frame = 0;

  constructor(pixels = 2048, imageSize = 128) {
    this.pixels = pixels;
    this.imageSize = imageSize;
    // a grating spectrometer's calibration: a quadratic in the pixel index
    this.#wavelengths = Float64Array.from({ length: pixels }, (_, i) => 350 + 0.37 * i - 1.2e-5 * i * i);
  }

  settingsXml(): string {
    return (
      '<All_settings type="group" title="Synthetic spectrometer">' +
      `<pixels type="int" title="Pixels" value="${this.pixels}"/>` +
      '<integration title="Integration time (ms)" type="float" value="10.0"/>' +
      "</All_settings>"
    );
  }

  /** The next acquisition. */
  acquire(timestamp = Date.now() / 1000): DataToExportInput {
    const k = this.#frame++;
    const center = 1024 + 300 * Math.sin(k / 50);
    const spectrum = Float64Array.from(
      { length: this.pixels },
      (_, i) => 1000 * Math.exp(-(((i - center) / 40) ** 2)) + 20 + 5 * Math.sin(i * 0.7 + k),
    );
    let power = 0;
    for (const v of spectrum) power += v;
    const n = this.imageSize;
    const image = new Uint16Array(n * n);
    const cx = n / 2 + (n / 4) * Math.cos(k / 30);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        image[y * n + x] = Math.round(4000 * Math.exp(-((x - cx) ** 2 + (y - n / 2) ** 2) / 200) + 100);
      }
    }
    return {
      name: this.title,
      timestamp,
      data: [
        {
          name: "Spectrum",
          data: [spectrum],
          labels: ["intensity"],
          units: "counts",
          origin: this.title,
          axes: [{ label: "wavelength", units: "nm", index: 0, data: this.#wavelengths }],
        },
        {
          name: "Power",
          data: [new Float64Array([power / this.pixels])],
          labels: ["mean"],
          units: "counts",
          origin: this.title,
        },
        {
          name: "Camera",
          data: [image],
          shape: [n, n],
          labels: ["image"],
          units: "ADU",
          origin: this.title,
          source: "raw",
        },
      ],
    };
  }
}
