/**
 * 'host:port' addresses: parsing and formatting. IPv6 hosts are bracketed
 * ('[::1]:4000'); host names are allowed and resolved by the OS at connect time.
 */
import { isIP } from 'node:net'
import { TransportError } from './errors.js'

/** A parsed 'host:port' address. */
export interface HostPort {
  /** IP literal or host name, without brackets. */
  readonly host: string
  /** TCP port, 0-65535. */
  readonly port: number
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** Parses 'host:port'. Throws TransportError `ERR_INVALID_ADDRESS`. */
export function parseAddress(addr: string): HostPort {
  const bad = (why: string): TransportError => new TransportError('ERR_INVALID_ADDRESS', `invalid address "${addr}": ${why}`)
  if (typeof addr !== 'string') throw bad('not a string')
  let host: string
  let portText: string
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']')
    if (close < 0 || addr[close + 1] !== ':') throw bad("expected '[ipv6]:port'")
    host = addr.slice(1, close)
    portText = addr.slice(close + 2)
    if (isIP(host) !== 6) throw bad('not an IPv6 address inside brackets')
  } else {
    const colon = addr.lastIndexOf(':')
    if (colon < 0) throw bad("expected 'host:port'")
    host = addr.slice(0, colon)
    portText = addr.slice(colon + 1)
    if (host.includes(':')) throw bad("IPv6 hosts need brackets: '[::1]:port'")
    if (isIP(host) === 0 && !HOSTNAME.test(host)) throw bad('bad host name')
  }
  if (!/^\d{1,5}$/.test(portText)) throw bad('port must be a number')
  const port = Number(portText)
  if (port > 65535) throw bad('port out of range')
  return { host, port }
}

/** Formats a host and port as 'host:port' ('[host]:port' for IPv6). */
export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}
