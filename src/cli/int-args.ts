/** Integer option parsers for commander, shared by the CLI and the benchmarks. */
import { InvalidArgumentError } from 'commander'

/** Parses a whole number >= 1; commander reports the error with the option's name. */
export function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}

/** Parses a whole number >= 0. */
export function nonNegativeInt(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer')
  return n
}
