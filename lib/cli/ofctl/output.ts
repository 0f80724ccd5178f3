/**
 * Buffered text output for stdout and stderr.
 *
 * A dump of 100,000 flows is 100,000 lines; a write() per line would cost
 * more than formatting them. Text is gathered into chunks of about 64 KiB
 * and handed to the stream in one write each, and `end()` waits until the
 * stream has taken everything, so that the process can exit with its
 * output complete even when stdout is a pipe (asynchronous in Node).
 * `monitor` flushes after every message, since a person is watching.
 */
const CHUNK = 64 * 1024;

export class Output {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    /** Whether the stream is a terminal (ovs-ofctl shows port names by default then). */
    readonly isTTY: boolean,
  ) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  }

  /**
   * Bytes, after whatever text is pending. Returns true when the stream
   * has written them already (nothing is left in its buffer; Node writes
   * files, and pipes that have room, synchronously) and the caller may
   * reuse them; else the stream keeps `bytes` and the caller must not.
   */
  writeBytes(bytes: Buffer): boolean {
    this.flush();
    this.stream.write(bytes);
    return (this.stream as { writableLength?: number }).writableLength === 0;
  }

  flush(): void {
    if (this.size === 0 && this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (text !== '') this.stream.write(text);
  }

  /** Flushes and resolves once the stream has accepted everything written. */
  async end(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }
}
