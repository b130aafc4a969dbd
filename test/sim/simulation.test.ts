import { describe, expect, it } from 'vitest'
import { Simulation, SimulationError, SIM_TOPIC, overlaySummary } from '../../src/gossip/sim/index.js'
import { bootstrapNetwork, runRandomSenders } from '../../bench/sim/index.js'

const payload = new Uint8Array([104, 105])

function smallNetwork(seed: number, nodes = 60): Simulation {
  return bootstrapNetwork({ nodes, seed }, 'test')
}

describe('Simulation', () => {
  it('one seed reproduces a run exactly; another seed gives another run', () => {
    const a = runRandomSenders({ nodes: 200, seed: 7, broadcasts: 10 })
    const b = runRandomSenders({ nodes: 200, seed: 7, broadcasts: 10 })
    const c = runRandomSenders({ nodes: 200, seed: 8, broadcasts: 10 })
    expect(b.steps).toBe(a.steps)
    expect(b.delivery).toEqual(a.delivery)
    expect(b.overlay).toEqual(a.overlay)
    expect(c.steps).not.toBe(a.steps)
  })

  it('links have a fixed latency in [10, 50] ms, the same both ways', () => {
    const sim = new Simulation({ seed: 3 })
    const latencies = new Set<number>()
    for (let a = 0; a < 30; a++) {
      for (let b = a + 1; b < 30; b++) {
        const latency = sim.linkLatency(a, b)
        expect(latency).toBe(sim.linkLatency(b, a))
        expect(latency).toBeGreaterThanOrEqual(10)
        expect(latency).toBeLessThanOrEqual(50)
        latencies.add(latency)
      }
    }
    expect(latencies.size).toBeGreaterThan(20)
  })

  it('a broken invariant fails the run with the seed and the command that replays it', () => {
    const sim = new Simulation({ seed: 42, replayCommand: 'npm run bench:sim -- --scenario s1 --nodes 2 --seed 42' })
    sim.addNodes(2)
    sim.join(0, [])
    sim.join(1, [0])
    sim.runFor(1_000)
    // Corrupt node 0's state behind the core's back: a peer in both views.
    const membership = sim.nodes[0]?.state.topic(SIM_TOPIC)?.membership
    membership?.passive.add('1')
    let error: unknown
    try {
      sim.broadcast(0, payload)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SimulationError)
    expect(String((error as Error).message)).toMatch(/1 is both active and passive/)
    expect(String((error as Error).message)).toMatch(/seed: 42/)
    expect(String((error as Error).message)).toMatch(/replay: npm run bench:sim -- --scenario s1 --nodes 2 --seed 42/)
  })

  it('after 20 % of the nodes crash, the overlay repairs and broadcasts reach every survivor', () => {
    const sim = smallNetwork(11, 100)
    for (let i = 0; i < 100; i += 5) sim.crash(i)
    sim.runFor(10_000)
    const overlay = overlaySummary(sim.nodes)
    expect(overlay.liveNodes).toBe(80)
    expect(overlay.components).toBe(1)
    expect(overlay.deadActiveLinks).toBe(0)
    const id = sim.broadcast(1, payload)
    expect(sim.runUntilDelivered(5_000, [id])).toBe(true)
    expect(sim.log.get(id)?.duplicateDeliveries).toBe(0)
  })

  it('a restarted node with the same id rejoins', () => {
    const sim = smallNetwork(12)
    sim.crash(5)
    sim.runFor(5_000)
    sim.restart(5, [1])
    sim.runFor(5_000)
    expect(sim.nodes[5]?.state.topic(SIM_TOPIC)?.membership.active.size).toBeGreaterThan(0)
    const id = sim.broadcast(5, payload)
    expect(sim.runUntilDelivered(5_000, [id])).toBe(true)
  })

  it('messages do not cross a partition; after healing the halves find each other again', () => {
    const sim = smallNetwork(13)
    sim.partition((index) => (index < 30 ? 0 : 1))
    sim.runFor(5_000)
    const during = sim.broadcast(0, payload)
    sim.runFor(3_000)
    const record = sim.log.get(during)
    for (let i = 30; i < 60; i++) expect(record?.deliveredAt[i]).toBe(0)
    sim.heal()
    // Each side still knows peers of the other through its passive and bootstrap lists.
    for (let i = 0; i < 60; i++) sim.join(i, [(i + 30) % 60])
    sim.runFor(10_000)
    expect(overlaySummary(sim.nodes).components).toBe(1)
    const after = sim.broadcast(0, payload)
    expect(sim.runUntilDelivered(5_000, [after])).toBe(true)
  })

  it('with 1 % silent message loss, the overlay holds and lazy links recover lost payloads', () => {
    const sim = new Simulation({ seed: 14, lossRate: 0.01 })
    sim.addNodes(50)
    sim.join(0, [])
    for (let i = 1; i < 50; i++) sim.at(i * 10, () => sim.join(i, [sim.random.int(i)]))
    sim.runFor(40_000)
    expect(overlaySummary(sim.nodes).components).toBe(1)
    const ids = [0, 1, 2, 3, 4].map((n) => sim.broadcast(n * 10, payload))
    sim.runFor(10_000)
    for (const id of ids) expect(sim.log.get(id)?.reliability(sim.nodes)).toBe(1)
  })
})
