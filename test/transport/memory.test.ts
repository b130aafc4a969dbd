/** The compliance suite against the in-memory transport. */
import { MemoryNetwork } from '../../src/transport/memory.js'
import { generateIdentity } from '../../src/transport/keys.js'
import { describeTransportCompliance } from './compliance-suite.js'

const network = new MemoryNetwork()
let deadPort = 60_000

describeTransportCompliance('memory', {
  async create(options) {
    const transport = network.createTransport(generateIdentity().peerId, options)
    const addr = await transport.listen('127.0.0.1:0')
    return { transport, addr }
  },
  deadAddress: () => Promise.resolve(`127.0.0.1:${deadPort++}`),
})
