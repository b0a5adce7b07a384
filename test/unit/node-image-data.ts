/** Node has no ImageData: the engines under test only need its shape and pixels. */
export function installImageData(): void {
  if (typeof globalThis.ImageData !== 'undefined') return;
  class NodeImageData {
    readonly data: Uint8ClampedArray;
    constructor(
      readonly width: number,
      readonly height: number,
    ) {
      this.data = new Uint8ClampedArray(width * height * 4);
    }
  }
  Object.assign(globalThis, { ImageData: NodeImageData });
}
