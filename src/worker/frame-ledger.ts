/**
 * Owner of every VideoFrame the worker holds. Each frame enters once (adopt) and leaves once,
 * either closed here or handed to the writable (handOff); anything else is a bug and throws, so a
 * double close or a leak shows up in tests instead of as GPU memory creeping up in a long call.
 */
export class FrameLedger {
  private readonly open = new Set<VideoFrame>();
  adopted = 0;
  closed = 0;
  handedOff = 0;

  adopt(frame: VideoFrame): VideoFrame {
    if (this.open.has(frame)) throw new Error('[FrameLedger] frame adopted twice');
    this.open.add(frame);
    this.adopted++;
    return frame;
  }

  owns(frame: VideoFrame): boolean {
    return this.open.has(frame);
  }

  close(frame: VideoFrame): void {
    if (!this.open.delete(frame))
      throw new Error('[FrameLedger] closing a frame the ledger does not own');
    this.closed++;
    frame.close();
  }

  /** The frame now belongs to whoever it was enqueued to. */
  handOff(frame: VideoFrame): void {
    if (!this.open.delete(frame))
      throw new Error('[FrameLedger] handing off a frame the ledger does not own');
    this.handedOff++;
  }

  get count(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const frame of [...this.open]) this.close(frame);
  }
}
