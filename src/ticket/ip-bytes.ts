/**
 * IP literals <-> bytes. IPv4 is 4 bytes, IPv6 16 bytes. Formatting is canonical:
 * dotted decimal for IPv4 and RFC 5952 for IPv6 (lower case, no leading zeros, the
 * first longest run of two or more zero groups shortened to `::`). IPv4-mapped IPv6
 * addresses are written in hex (`::ffff:a00:1`), as the WHATWG URL standard does.
 * Zone ids (`fe80::1%eth0`) cannot be carried and are rejected.
 */
import { isIP } from 'node:net'

/** The 4 or 16 bytes of an IP literal, or undefined when `host` is not one. */
export function ipToBytes(host: string): Uint8Array | undefined {
  const family = isIP(host)
  if (family === 4) return ipv4ToBytes(host)
  if (family === 6 && !host.includes('%')) return ipv6ToBytes(host)
  return undefined
}

/** Canonical text of 4 or 16 address bytes. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.')
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 bytes, got ${bytes.length}`)
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number))
  // Find the first longest run of at least two zero groups.
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let end = i
    while (end < 8 && groups[end] === 0) end++
    if (end - i > bestLength) {
      bestStart = i
      bestLength = end - i
    }
    i = end
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}

/** True for 0.0.0.0 and ::, which name "any address" and cannot be dialed. */
export function isUnspecifiedIp(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0)
}

function ipv4ToBytes(host: string): Uint8Array {
  return Uint8Array.from(host.split('.').map(Number))
}

function ipv6ToBytes(host: string): Uint8Array {
  const out = new Uint8Array(16)
  let text = host
  let tail: number[] = []
  // An embedded IPv4 tail ('::ffff:1.2.3.4') fills the last 4 bytes.
  const lastColon = text.lastIndexOf(':')
  if (text.slice(lastColon + 1).includes('.')) {
    tail = Array.from(ipv4ToBytes(text.slice(lastColon + 1)))
    text = `${text.slice(0, lastColon + 1)}0:0`
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined]
  const headGroups = head === '' ? [] : head.split(':')
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':')
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups]
  groups.forEach((g, i) => {
    const value = parseInt(g, 16)
    out[i * 2] = value >>> 8
    out[i * 2 + 1] = value & 0xff
  })
  if (tail.length === 4) out.set(tail, 12)
  return out
}
