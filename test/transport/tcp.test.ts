/** The compliance suite against Noise-secured TCP on loopback. */
import { TcpTransport } from '../../src/transport/tcp.js'
import { generateIdentity } from '../../src/transport/keys.js'
import { describeTransportCompliance } from './compliance-suite.js'
import { unusedPort } from './helpers.js'

describeTransportCompliance('tcp', {
  async create(options) {
    const transport = await TcpTransport.create({ identity: generateIdentity(), ...options })
    const addr = await transport.listen('127.0.0.1:0')
    return { transport, addr }
  },
  deadAddress: async () => `127.0.0.1:${await unusedPort()}`,
})
