/**
 * Lines from a stream with a cap enforced while the line is read: once a line passes
 * `maxChars`, what was held of it is dropped and the rest is discarded as it streams
 * in (only counted), so a huge input without a newline costs no more memory than the
 * cap. A line break is '\n', '\r\n' or '\r'.
 */
import { StringDecoder } from 'node:string_decoder'
import type { Readable } from 'node:stream'

/** One input line, or the length of a line that was too long (and was discarded). */
export type InputLine = { readonly line: string } | { readonly tooLong: number }

export class CappedLineReader implements AsyncIterable<InputLine> {
  private closed = false
  private wake: (() => void) | undefined
  /** The 'readable' listener of the current wait, removed on close. */
  private onReadable: (() => void) | undefined

  constructor(
    private readonly input: Readable,
    private readonly maxChars: number,
  ) {}

  /** Ends the iteration and stops listening to the input (which is left open). */
  close(): void {
    this.closed = true
    if (this.onReadable !== undefined) this.input.off('readable', this.onReadable)
    this.onReadable = undefined
    this.wake?.()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<InputLine> {
    const decoder = new StringDecoder('utf8')
    let held = ''
    let length = 0
    let discarding = false
    const ended = new Promise<void>((resolve) => {
      this.input.once('end', resolve)
      this.input.once('close', resolve)
      this.input.once('error', resolve)
    })
    const out: InputLine[] = []
    const feed = (text: string): void => {
      let start = 0
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i)
        if (c !== 10 && c !== 13) continue
        take(text.slice(start, i))
        out.push(discarding ? { tooLong: length } : { line: held })
        held = ''
        length = 0
        discarding = false
        start = i + 1
      }
      take(text.slice(start))
    }
    const take = (piece: string): void => {
      length += piece.length
      if (discarding) return
      if (length > this.maxChars) {
        discarding = true
        held = ''
        return
      }
      held += piece
    }
    let done = false
    void ended.then(() => {
      done = true
      this.wake?.()
    })
    while (!this.closed) {
      const chunk = this.input.read() as Buffer | string | null
      if (chunk !== null) {
        feed(typeof chunk === 'string' ? chunk : decoder.write(chunk))
        while (out.length > 0 && !this.closed) yield out.shift() as InputLine
        continue
      }
      if (done || this.input.readableEnded) break
      await new Promise<void>((resolve) => {
        this.wake = resolve
        this.onReadable = resolve
        this.input.once('readable', resolve)
      })
      if (this.onReadable !== undefined) this.input.off('readable', this.onReadable)
      this.onReadable = undefined
      this.wake = undefined
    }
    if (this.closed) return
    feed(decoder.end())
    // A last line without a line break (LF/CR then empty lines are not yielded).
    if (length > 0 || discarding) out.push(discarding ? { tooLong: length } : { line: held })
    for (const line of out) yield line
  }
}
