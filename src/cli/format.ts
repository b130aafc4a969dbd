/**
 * Terminal formatting for the chat: display width of text (wide characters and emoji
 * take two columns, combining marks none), clock times, and one colour per author.
 * Colours are used only when stdout is a terminal and neither `NO_COLOR`
 * (https://no-color.org) nor `--no-color` says otherwise.
 */

// East Asian Wide / Fullwidth ranges and emoji presentation: two columns each.
const WIDE =
  /[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{1b2ff}\u{1f004}\u{1f0cf}\u{1f18e}\u{1f191}-\u{1f19a}\u{1f200}-\u{1f251}\u{1f300}-\u{1f64f}\u{1f680}-\u{1f6ff}\u{1f7e0}-\u{1f7eb}\u{1f90c}-\u{1f9ff}\u{1fa70}-\u{1faff}\u{20000}-\u{3fffd}]/u
// Combining marks, zero-width joiners and variation selectors: no column.
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200f\u2060-\u2064\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/u
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g

/** Columns `text` takes on a terminal (ANSI colour codes take none). */
export function displayWidth(text: string): number {
  let width = 0
  for (const char of text.replace(ANSI, '')) {
    const code = char.codePointAt(0) ?? 0
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) continue
    if (ZERO.test(char)) continue
    width += WIDE.test(char) ? 2 : 1
  }
  return width
}

/**
 * Rows the line editor uses for `text` (prompt and line) on a terminal `columns` wide:
 * readline moves the cursor to a new row when the text fills a row exactly, so a text of
 * exactly one row's width takes two.
 */
export function rowsOf(text: string, columns: number): number {
  if (columns <= 0) return 1
  return Math.floor(displayWidth(text) / columns) + 1
}

/** `HH:MM` in local time. */
export function clockTime(ms: number): string {
  const date = new Date(ms)
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`
}

/** Whether colours may be used: a terminal, `NO_COLOR` unset or empty, and no `--no-color`. */
export function colorsWanted(isTty: boolean, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  return isTty && flag && (env.NO_COLOR === undefined || env.NO_COLOR === '')
}

// Foreground colours readable on dark and light backgrounds (no black, white, blue on black).
const AUTHOR_COLORS = [31, 32, 33, 35, 36, 91, 92, 93, 95, 96] as const

export interface Paint {
  author(id: string, text: string): string
  dim(text: string): string
  bold(text: string): string
}

/** Colour codes, or the identity when colours are off. */
export function paint(enabled: boolean): Paint {
  if (!enabled) return { author: (_id, text) => text, dim: (text) => text, bold: (text) => text }
  return {
    author: (id, text) => `\u001b[${AUTHOR_COLORS[colorIndex(id)]}m${text}\u001b[39m`,
    dim: (text) => `\u001b[2m${text}\u001b[22m`,
    bold: (text) => `\u001b[1m${text}\u001b[22m`,
  }
}

/** A stable colour per author id (a 64-hex node id; any string works). */
function colorIndex(id: string): number {
  let hash = 0
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0
  return hash % AUTHOR_COLORS.length
}
