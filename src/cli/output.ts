/**
 * How the chat prints: human lines (`name: text`, system lines starting with `--`) or,
 * with --json, one JSON object per event for scripts. `--quiet` keeps only chat lines
 * and the ticket.
 */
export type OutputEvent =
  | { readonly event: 'ticket'; readonly ticket: string; readonly topic: string }
  | { readonly event: 'status'; readonly neighbors: number; readonly id: string }
  | { readonly event: 'message'; readonly from: string; readonly name: string; readonly text: string }
  | { readonly event: 'name'; readonly from: string; readonly name: string }
  | { readonly event: 'neighborUp'; readonly peer: string; readonly name?: string | undefined }
  | { readonly event: 'neighborDown'; readonly peer: string; readonly name?: string | undefined; readonly reason: string }
  | { readonly event: 'lagged'; readonly missed: number }
  | { readonly event: 'info'; readonly text: string }

export interface OutputOptions {
  readonly json: boolean
  readonly quiet: boolean
  readonly write: (line: string) => void
}

export class Output {
  constructor(private readonly options: OutputOptions) {}

  print(event: OutputEvent): void {
    if (this.options.json) {
      this.options.write(JSON.stringify(event))
      return
    }
    const line = this.human(event)
    if (line !== undefined) this.options.write(line)
  }

  private human(event: OutputEvent): string | undefined {
    const quiet = this.options.quiet
    switch (event.event) {
      case 'message':
        return `${event.name}: ${event.text}`
      case 'ticket':
        return quiet ? event.ticket : `-- ticket for topic ${event.topic.slice(0, 8)}: ${event.ticket}`
      case 'status':
        return quiet ? undefined : `-- ${event.id.slice(0, 8)}: ${event.neighbors} neighbor${event.neighbors === 1 ? '' : 's'}`
      case 'name':
        return quiet ? undefined : `-- ${event.from.slice(0, 8)} is ${event.name}`
      case 'neighborUp':
        return quiet ? undefined : `-- neighbor up: ${label(event.peer, event.name)}`
      case 'neighborDown':
        return quiet ? undefined : `-- neighbor down: ${label(event.peer, event.name)} (${event.reason})`
      case 'lagged':
        return `-- missed ${event.missed} events (output too slow)`
      case 'info':
        return quiet ? undefined : `-- ${event.text}`
    }
  }
}

function label(peer: string, name: string | undefined): string {
  return name === undefined ? peer.slice(0, 8) : `${name} (${peer.slice(0, 8)})`
}
