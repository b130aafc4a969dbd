/**
 * Who is who in the chat: the names authors announced (bound to their signed author id)
 * and the label shown for each. A name two ids share (this node's own included) is
 * shown with the first four hex digits of the id, `bob#7b37`, so two "bob"s can be told
 * apart; an author without a name is shown by the first 8 hex digits of its id.
 */
import { shortId } from '../index.js'

/** Cap on remembered names (least recently announced forgotten first). */
export const MAX_KNOWN_NAMES = 1_024
/** Hex digits of the id appended to a name that is not unique. */
export const NAME_SUFFIX_HEX = 4

export class NameBook {
  private readonly names = new Map<string, string>()

  constructor(
    private readonly selfId: string,
    private selfName: string | undefined,
  ) {}

  get own(): string | undefined {
    return this.selfName
  }

  setOwn(name: string): void {
    this.selfName = name
  }

  /** The name `id` announced, if any. */
  get(id: string): string | undefined {
    return id === this.selfId ? this.selfName : this.names.get(id)
  }

  /** Records an announcement; returns the previous name (undefined if none) or `false` when nothing changed. */
  set(id: string, name: string): string | undefined | false {
    if (id === this.selfId) return false
    const previous = this.names.get(id)
    if (previous === name) {
      this.names.delete(id)
      this.names.set(id, name)
      return false
    }
    this.names.delete(id)
    this.names.set(id, name)
    if (this.names.size > MAX_KNOWN_NAMES) this.names.delete(this.names.keys().next().value as string)
    return previous
  }

  /** The label of `id`: its name, with an id suffix when another id has the same name; else its short id. */
  label(id: string): string {
    const name = this.get(id)
    if (name === undefined) return shortId(id)
    return this.shared(id, name) ? `${name}#${id.slice(0, NAME_SUFFIX_HEX)}` : name
  }

  /** Whether an id other than `id` goes by `name`. */
  private shared(id: string, name: string): boolean {
    if (id !== this.selfId && this.selfName === name) return true
    for (const [other, otherName] of this.names) if (other !== id && otherName === name) return true
    return false
  }
}
