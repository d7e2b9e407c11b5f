/**
 * One status line that rewrites itself on a terminal and prints at most once a second elsewhere
 * (CI logs, pipes), so long work shows progress without flooding a log.
 */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  #lastPrint = 0;
  #lastLength = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.#lastPrint < (this.#tty ? 100 : 1000)) return;
    this.#lastPrint = now;
    if (this.#tty) {
      this.#stream.write(`\r${text.padEnd(this.#lastLength)}`);
      this.#lastLength = text.length;
    } else {
      this.#stream.write(`${text}\n`);
    }
  }

  done(text: string): void {
    this.update(text, true);
    if (this.#tty) this.#stream.write("\n");
  }
}
