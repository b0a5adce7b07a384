/**
 * The one error type the converter throws. Callers (the install step, tests, a browser worker)
 * branch on `code`, never on message text; the message is for people and names what was found
 * and where, so a refused model can be diagnosed without a debugger.
 */
export type ConversionErrorCode =
  /** An operator (builtin or custom) or an operator setting this converter does not translate. */
  | 'unsupported-operator'
  /** A well-formed model outside what the converter handles (several subgraphs, int8 tensors...). */
  | 'unsupported-model'
  /** Bytes that are not a readable TFLite flatbuffer: truncated, wrong identifier, bad offsets. */
  | 'corrupt-model';

export class ConversionError extends Error {
  override name = 'ConversionError';
  readonly code: ConversionErrorCode;

  constructor(code: ConversionErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
