import { describe as suite, expect, it } from 'vitest'
import { Harness, describe, TOPIC } from '../helpers/core.js'

suite('HyParView: join', () => {
  it('sends JOIN to each bootstrap peer and starts the periodic and request timers', () => {
    const node = new Harness()
    const actions = node.command({ type: 'join', peers: [{ id: 'a' }, { id: 'b' }, { id: 'me' }] })
    expect(describe(actions)).toEqual([
      'schedule shuffle 60000',
      'schedule repair 5000',
      'send a join',
      'schedule neighborTimeout 1000',
      'send b join',
      'schedule neighborTimeout 1000',
    ])
    expect([...node.membership.pending.keys()]).toEqual(['a', 'b'])
  })

  it('joins the contact once it accepts', () => {
    const node = new Harness()
    node.command({ type: 'join', peers: [{ id: 'a' }] })
    const actions = node.receive('a', { type: 'neighborReply', seq: 1, requestId: 0, accepted: true })
    expect(describe(actions)).toEqual(['emit neighborUp a'])
    expect([...node.membership.active]).toEqual(['a'])
    expect(node.membership.pending.size).toBe(0)
  })

  it('a contact accepts a JOIN, answers it and forwards it to every other neighbor', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const actions = node.receive('n', { type: 'join', seq: 1 })
    expect(describe(actions)).toEqual([
      'emit neighborUp n',
      'send n neighborReply accepted #0',
      'send a forwardJoin n ttl 6',
      'send b forwardJoin n ttl 6',
    ])
  })

  it('a full contact evicts a random neighbor with DISCONNECT and keeps it as passive', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    const lines = describe(node.receive('n', { type: 'join', seq: 1 }))
    const evicted = lines.find((l) => l.startsWith('send') && l.endsWith('disconnect alive'))?.split(' ')[1]
    expect(evicted).toBeDefined()
    expect(lines.slice(0, 3)).toEqual([
      `send ${evicted} disconnect alive`,
      `emit neighborDown ${evicted} evicted`,
      'emit neighborUp n',
    ])
    expect(node.membership.active.size).toBe(5)
    expect(node.membership.passive.has(evicted as string)).toBe(true)
  })
})

suite('HyParView: FORWARD_JOIN', () => {
  it('at ttl 0 asks the joiner to become a neighbor with HIGH priority', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const actions = node.receive('a', { type: 'forwardJoin', peer: { id: 'n' }, ttl: 0 })
    expect(describe(actions)).toEqual(['send n neighbor high #1', 'schedule neighborTimeout 1000'])
    const reply = node.receive('n', { type: 'neighborReply', seq: 1, requestId: 1, accepted: true })
    expect(describe(reply)).toEqual(['emit neighborUp n'])
  })

  it('is accepted when the sender is the only neighbor', () => {
    const node = new Harness().withNeighbors('a')
    expect(describe(node.receive('a', { type: 'forwardJoin', peer: { id: 'n' }, ttl: 5 }))).toEqual([
      'send n neighbor high #1',
      'schedule neighborTimeout 1000',
    ])
  })

  it('at ttl = PRWL adds the joiner to the passive view and walks on with ttl - 1', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const actions = node.receive('a', { type: 'forwardJoin', peer: { id: 'n' }, ttl: 3 })
    expect(describe(actions)).toEqual(['send b forwardJoin n ttl 2'])
    expect(node.membership.passive.has('n')).toBe(true)
  })

  it('ignores a walk announcing itself or a current neighbor', () => {
    const node = new Harness().withNeighbors('a', 'b')
    expect(node.receive('a', { type: 'forwardJoin', peer: { id: 'me' }, ttl: 0 })).toEqual([])
    expect(node.receive('a', { type: 'forwardJoin', peer: { id: 'b' }, ttl: 0 })).toEqual([])
  })
})

suite('HyParView: NEIGHBOR', () => {
  it('LOW is accepted into a free slot', () => {
    const node = new Harness().withNeighbors('a')
    const actions = node.receive('p', { type: 'neighbor', seq: 1, requestId: 7, priority: 'low' })
    expect(describe(actions)).toEqual(['emit neighborUp p', 'send p neighborReply accepted #7'])
  })

  it('LOW is rejected when full, and the requester is kept as passive', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    const actions = node.receive('p', { type: 'neighbor', seq: 1, requestId: 7, priority: 'low' })
    expect(describe(actions)).toEqual(['send p neighborReply rejected #7', 'disconnect p'])
    expect(node.membership.passive.has('p')).toBe(true)
  })

  it('HIGH is accepted even when full, evicting a neighbor', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e')
    const lines = describe(node.receive('p', { type: 'neighbor', seq: 1, requestId: 7, priority: 'high' }))
    expect(lines.filter((l) => l.endsWith('disconnect alive'))).toHaveLength(1)
    expect(lines).toContain('emit neighborUp p')
    expect(lines).toContain('send p neighborReply accepted #7')
    expect(node.membership.active.has('p')).toBe(true)
    expect(node.membership.active.size).toBe(5)
  })

  it('a rejected request tries the next passive peer at once', () => {
    const node = new Harness().withNeighbors('a', 'b')
    // a and b leave politely: both go to the passive view and the node asks one of them back.
    node.receive('a', { type: 'disconnect', seq: 5000, alive: true })
    const afterB = describe(node.receive('b', { type: 'disconnect', seq: 5000, alive: true }))
    const asked = afterB.filter((l) => l.includes(' neighbor '))
    expect(asked.length).toBeGreaterThan(0)
    expect([...node.membership.pending.keys()].sort()).toEqual(['a', 'b'])
  })

  it('a late accepted reply matching no request is answered with DISCONNECT', () => {
    const node = new Harness().withNeighbors('a')
    const actions = node.receive('x', { type: 'neighborReply', seq: 1, requestId: 99, accepted: true })
    expect(describe(actions)).toEqual(['send x disconnect alive', 'disconnect x'])
    expect(node.membership.active.has('x')).toBe(false)
  })

  it('a request that times out drops the peer from the passive view and tries another', () => {
    const node = new Harness().withNeighbors('a', 'b')
    node.receive('a', { type: 'disconnect', seq: 5000, alive: true })
    const pending = [...node.membership.pending.entries()]
    expect(pending).toHaveLength(1)
    const [peer, request] = pending[0] as [string, { requestId: number }]
    node.fire({ kind: 'neighborTimeout', peer, requestId: request.requestId })
    expect(node.membership.passive.has(peer)).toBe(false)
    expect(node.membership.pending.has(peer)).toBe(false)
  })

  it('a stale timeout (request already answered) does nothing', () => {
    const node = new Harness().withNeighbors('a')
    expect(node.fire({ kind: 'neighborTimeout', peer: 'a', requestId: 12345 })).toEqual([])
  })
})

suite('HyParView: DISCONNECT and failures', () => {
  it('DISCONNECT (alive) moves the peer to passive, reports it and refills from passive', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const lines = describe(node.receive('a', { type: 'disconnect', seq: 5000, alive: true }))
    expect(lines[0]).toBe('emit neighborDown a disconnected')
    // a is the only passive peer, so it is asked again (it stays passive until it answers).
    expect(lines).toContain('send a neighbor low #1')
    expect(node.membership.active.has('a')).toBe(false)
    expect(node.membership.passive.has('a')).toBe(true)
    expect(node.membership.pending.has('a')).toBe(true)
  })

  it('refills with HIGH priority when the active view is empty', () => {
    const node = new Harness().withNeighbors('a')
    const lines = describe(node.receive('a', { type: 'disconnect', seq: 5000, alive: true }))
    expect(lines).toEqual(['emit neighborDown a disconnected', 'send a neighbor high #1', 'schedule neighborTimeout 1000'])
  })

  it('DISCONNECT (leaving) drops the peer from every view', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const lines = describe(node.receive('a', { type: 'disconnect', seq: 5000, alive: false }))
    expect(lines).toEqual(['emit neighborDown a disconnected', 'disconnect a'])
    expect(node.membership.passive.has('a')).toBe(false)
  })

  it('ignores a DISCONNECT older than the last membership message from that peer', () => {
    const node = new Harness().withNeighbors('a')
    // The JOIN from a carried seq 1000; a DISCONNECT sent before it must not undo it.
    expect(node.receive('a', { type: 'disconnect', seq: 999, alive: true })).toEqual([])
    expect(node.membership.active.has('a')).toBe(true)
  })

  it('a connection failure removes the neighbor without keeping it as passive', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const lines = describe(node.handle({ type: 'peerDisconnected', peer: 'a' }))
    // No passive peer to ask: a refill retry is due in refillRetryMs.
    expect(lines).toEqual(['emit neighborDown a connectionLost', 'schedule refillRetry 250'])
    expect(node.membership.active.has('a')).toBe(false)
    expect(node.membership.passive.has('a')).toBe(false)
  })

  it('a failed dial to a pending passive peer purges it and tries the next one', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c')
    node.receive('a', { type: 'disconnect', seq: 5000, alive: true })
    node.receive('b', { type: 'disconnect', seq: 5000, alive: true })
    const [first] = [...node.membership.pending.keys()]
    expect(first).toBeDefined()
    node.handle({ type: 'peerDisconnected', peer: first as string })
    expect(node.membership.passive.has(first as string)).toBe(false)
  })

  it('a broadcast message from a non-neighbor is answered with DISCONNECT', () => {
    const node = new Harness().withNeighbors('a')
    const lines = describe(node.receive('z', { type: 'prune', origin: 'o' }))
    expect(lines).toEqual(['send z disconnect alive', 'disconnect z'])
  })

  it('re-joins through its bootstrap peers when every view has drained', () => {
    const node = new Harness()
    node.command({ type: 'join', peers: [{ id: 'a' }] })
    node.fire({ kind: 'neighborTimeout', peer: 'a', requestId: 1 })
    expect(node.membership.pending.size).toBe(0)
    const lines = describe(node.fire({ kind: 'repair' }))
    expect(lines).toEqual(['schedule repair 5000', 'send a join', 'schedule neighborTimeout 1000'])
  })
})

suite('HyParView: SHUFFLE', () => {
  it('the timer sends own id, ka active and kp passive ids on a walk of length 6', () => {
    const node = new Harness().withNeighbors('a', 'b', 'c', 'd', 'e', 'f', 'g')
    const lines = describe(node.fire({ kind: 'shuffle' }))
    expect(lines[0]).toBe('schedule shuffle 60000')
    expect(lines[1]).toMatch(/^send [a-g] shuffle origin me ttl 6 nodes 5$/)
  })

  it('walks on while ttl remains and there is another neighbor', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const lines = describe(node.receive('a', { type: 'shuffle', origin: { id: 'o' }, nodes: [{ id: 'x' }], ttl: 3 }))
    expect(lines).toContain('send b shuffle origin o ttl 2 nodes 1')
  })

  it('at the end of the walk replies to the origin and merges the sample into passive', () => {
    const node = new Harness().withNeighbors('a')
    const lines = describe(
      node.receive('a', { type: 'shuffle', origin: { id: 'o' }, nodes: [{ id: 'x' }, { id: 'me' }, { id: 'a' }], ttl: 1 }),
    )
    expect(lines).toContain('send o shuffleReply nodes 0')
    expect(node.membership.passive.has('x')).toBe(true)
    expect(node.membership.passive.has('o')).toBe(true)
    expect(node.membership.passive.has('me')).toBe(false)
    expect(node.membership.passive.has('a')).toBe(false)
  })

  it('a full passive view evicts the ids it just sent first', () => {
    const node = new Harness('me', { membership: { passiveViewCapacity: 2 } }).withNeighbors('a', 'b')
    node.receive('a', { type: 'shuffle', origin: { id: 'o1' }, nodes: [{ id: 'p1' }], ttl: 1 })
    expect([...node.membership.passive].sort()).toEqual(['o1', 'p1'])
    node.fire({ kind: 'shuffle' })
    node.receive('a', { type: 'shuffleReply', nodes: [{ id: 'q1' }, { id: 'q2' }] })
    expect(node.membership.passive.size).toBe(2)
    expect([...node.membership.passive].sort()).toEqual(['q1', 'q2'])
  })
})

suite('HyParView: leaving', () => {
  it('quit tells every neighbor it is leaving and closes the connections', () => {
    const node = new Harness().withNeighbors('a', 'b')
    const lines = describe(node.command({ type: 'quit' }))
    expect(lines).toEqual([
      'send a disconnect leaving',
      'emit neighborDown a quit',
      'send b disconnect leaving',
      'emit neighborDown b quit',
      'disconnect a',
      'disconnect b',
    ])
    expect(node.state.topic(TOPIC)).toBeUndefined()
  })

  it('quit also tells the peers it asked to be neighbors (they may have accepted already)', () => {
    const node = new Harness()
    node.command({ type: 'join', peers: [{ id: 'a' }, { id: 'b' }] })
    node.receive('a', { type: 'neighborReply', seq: 1, requestId: 0, accepted: true })
    const lines = describe(node.command({ type: 'quit' }))
    expect(lines).toEqual([
      'send a disconnect leaving',
      'emit neighborDown a quit',
      'send b disconnect leaving',
      'disconnect a',
      'disconnect b',
    ])
  })
})
