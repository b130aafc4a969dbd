#!/usr/bin/env python3
"""User-space packet switch for the hearsay network lab.

Run inside the lab's switch namespace (never the host's): it opens one TUN device per
host (tun0..tunN-1, raw IPv4 packets, no packet-info header) and prints one line
"ready" once they exist. The controller then moves each device into its host namespace
and addresses it; the open file descriptors stay here, so every IPv4 packet a host sends
comes to this process, which forwards it to the host owning the destination address
(10.99.0.<i+1> is host i), or to every other host for multicast/broadcast (mDNS),
after the link model of both ends:

  sender's uplink:   loss -> rate (FIFO queue, tail drop) -> half the one-way delay ± jitter
  receiver's downlink: loss -> rate -> the other half of the delay

A profile names the one-way delay and loss between two hosts of that profile; each of
the two access links carries half the delay and loss 1 - sqrt(1 - loss), so a path
between two hosts of one profile has exactly its delay and loss. Bursty loss is a
Gilbert-Elliott chain per link and direction (a path crosses two such chains). Packets of one path are never reordered
(jitter moves a packet later, never ahead of its predecessor).

Control: JSON lines on stdin, one reply line per command on stdout ("ok ..." or
"error ..."). Commands:

  {"cmd": "profile", "hosts": [0, 3], "profile": {...}}   set the link of hosts
  {"cmd": "partition", "groups": [[0, 1], [2, 3]]}       drop silently between groups
  {"cmd": "heal"}                                          no partition
  {"cmd": "unplug", "hosts": [2], "on": true}            drop everything of a host
  {"cmd": "stats"}                                         counters as JSON
  {"cmd": "quit"}

A profile is {"delayMs", "jitterMs", "loss", "rateKbit", "burst": {"pGoodBad",
"pBadGood", "lossBad"}} (all optional; rateKbit 0 = unlimited). Partitions and unplugs
drop silently (no ICMP, no RST): the hosts' TCP sees nothing but silence. End of stdin
(the controller died) closes every TUN device and exits, which removes the devices.
"""
import fcntl
import heapq
import json
import math
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
MAX_PACKET = 65535
# Per-link FIFO cap in bytes (tail drop beyond it), like a modest router buffer.
QUEUE_CAP_BYTES = 256 * 1024
# Packets held in the delay line at once, all links together (a cap, not a target).
MAX_IN_FLIGHT = 100_000
SUBNET = (10, 99, 0)


def link_of(profile):
    loss = float(profile.get('loss', 0.0))
    burst = profile.get('burst')
    return {
        'half_delay': float(profile.get('delayMs', 0.0)) / 2000.0,
        'half_jitter': float(profile.get('jitterMs', 0.0)) / 2000.0,
        'loss': 1.0 - math.sqrt(max(0.0, 1.0 - loss)),
        'rate': float(profile.get('rateKbit', 0)) * 1000.0 / 8.0,  # bytes per second, 0 = unlimited
        'burst': None if burst is None else (float(burst['pGoodBad']), float(burst['pBadGood']), float(burst.get('lossBad', 1.0))),
    }


class Direction:
    """One direction of one host's access link: loss state and the FIFO of the rate limit."""

    def __init__(self):
        self.free_at = 0.0
        self.bad = False

    def lose(self, link, rng):
        if link['burst'] is not None:
            p_gb, p_bg, loss_bad = link['burst']
            self.bad = (rng.random() >= p_bg) if self.bad else (rng.random() < p_gb)
            if self.bad and rng.random() < loss_bad:
                return True
            return rng.random() < link['loss']
        return link['loss'] > 0 and rng.random() < link['loss']

    def pass_rate(self, link, size, now):
        """Time the packet leaves this link's queue, or None if the queue is full."""
        rate = link['rate']
        if rate <= 0:
            return now
        start = max(now, self.free_at)
        if (start - now) * rate > QUEUE_CAP_BYTES:
            return None
        self.free_at = start + size / rate
        return self.free_at


class Switch:
    def __init__(self, hosts, seed):
        self.rng = random.Random(seed)
        self.fds = []
        for i in range(hosts):
            fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
            fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', ('tun%d' % i).encode(), IFF_TUN | IFF_NO_PI))
            self.fds.append(fd)
        self.host_of_fd = {fd: i for i, fd in enumerate(self.fds)}
        self.links = [link_of({}) for _ in range(hosts)]
        self.up = [Direction() for _ in range(hosts)]
        self.down = [Direction() for _ in range(hosts)]
        self.group = [0] * hosts
        self.unplugged = [False] * hosts
        self.last_arrival = {}
        self.heap = []
        self.seq = 0
        self.stats = {'received': 0, 'forwarded': 0, 'lost': 0, 'queueDrops': 0, 'partitionDrops': 0,
                      'unpluggedDrops': 0, 'unroutable': 0, 'writeErrors': 0}

    def dest_hosts(self, packet, src):
        if len(packet) < 20 or packet[0] >> 4 != 4:
            return []
        dst = packet[16:20]
        if dst[0] >= 224 or dst == b'\xff\xff\xff\xff' or (tuple(dst[:3]) == SUBNET and dst[3] == 255):
            return [h for h in range(len(self.fds)) if h != src]
        if tuple(dst[:3]) == SUBNET and 1 <= dst[3] <= len(self.fds):
            return [dst[3] - 1]
        return []

    def on_packet(self, src, packet, now):
        self.stats['received'] += 1
        targets = self.dest_hosts(packet, src)
        if not targets:
            self.stats['unroutable'] += 1
            return
        size = len(packet)
        for dst in targets:
            if dst == src:
                continue
            if self.unplugged[src] or self.unplugged[dst]:
                self.stats['unpluggedDrops'] += 1
                continue
            if self.group[src] != self.group[dst]:
                self.stats['partitionDrops'] += 1
                continue
            a, b = self.links[src], self.links[dst]
            if self.up[src].lose(a, self.rng) or self.down[dst].lose(b, self.rng):
                self.stats['lost'] += 1
                continue
            t = self.up[src].pass_rate(a, size, now)
            if t is None:
                self.stats['queueDrops'] += 1
                continue
            t += max(0.0, a['half_delay'] + self.rng.uniform(-1, 1) * a['half_jitter'])
            t = self.down[dst].pass_rate(b, size, t)
            if t is None:
                self.stats['queueDrops'] += 1
                continue
            t += max(0.0, b['half_delay'] + self.rng.uniform(-1, 1) * b['half_jitter'])
            key = (src, dst)
            t = max(t, self.last_arrival.get(key, 0.0))
            self.last_arrival[key] = t
            if len(self.heap) >= MAX_IN_FLIGHT:
                self.stats['queueDrops'] += 1
                continue
            self.seq += 1
            heapq.heappush(self.heap, (t, self.seq, dst, packet))

    def deliver_due(self, now):
        while self.heap and self.heap[0][0] <= now:
            _, _, dst, packet = heapq.heappop(self.heap)
            # A host unplugged or cut off while its packets were in flight loses them too.
            if self.unplugged[dst]:
                self.stats['unpluggedDrops'] += 1
                continue
            try:
                os.write(self.fds[dst], packet)
                self.stats['forwarded'] += 1
            except OSError:
                self.stats['writeErrors'] += 1

    def command(self, line):
        msg = json.loads(line)
        cmd = msg.get('cmd')
        if cmd == 'profile':
            for h in msg['hosts']:
                self.links[h] = link_of(msg['profile'])
            return 'ok'
        if cmd == 'partition':
            self.group = [-1 - i for i in range(len(self.fds))]  # listed hosts only talk within their group
            for g, hosts in enumerate(msg['groups']):
                for h in hosts:
                    self.group[h] = g
            return 'ok'
        if cmd == 'heal':
            self.group = [0] * len(self.fds)
            return 'ok'
        if cmd == 'unplug':
            for h in msg['hosts']:
                self.unplugged[h] = bool(msg.get('on', True))
            return 'ok'
        if cmd == 'stats':
            return 'ok ' + json.dumps(self.stats)
        if cmd == 'quit':
            return None
        return 'error unknown command %r' % cmd

    def run(self):
        stdin = sys.stdin.fileno()
        os.set_blocking(stdin, False)
        buffered = b''
        poller = select.poll()
        poller.register(stdin, select.POLLIN)
        for fd in self.fds:
            poller.register(fd, select.POLLIN)
        print('ready', flush=True)
        while True:
            now = time.monotonic()
            self.deliver_due(now)
            timeout_ms = -1 if not self.heap else max(0, math.ceil((self.heap[0][0] - time.monotonic()) * 1000))
            for fd, events in poller.poll(min(timeout_ms, 1000) if timeout_ms >= 0 else 1000):
                if fd == stdin:
                    chunk = os.read(stdin, 65536) if events & (select.POLLIN | select.POLLHUP) else b''
                    if not chunk:
                        return  # controller gone: exit, closing (and so removing) the devices
                    buffered += chunk
                    while b'\n' in buffered:
                        line, buffered = buffered.split(b'\n', 1)
                        if not line.strip():
                            continue
                        try:
                            reply = self.command(line)
                        except (ValueError, KeyError, TypeError, IndexError) as err:
                            reply = 'error %s' % err
                        if reply is None:
                            return
                        print(reply, flush=True)
                    continue
                src = self.host_of_fd[fd]
                for _ in range(64):  # bounded per wake-up so one busy host cannot starve the others
                    try:
                        packet = os.read(fd, MAX_PACKET)
                    except BlockingIOError:
                        break
                    except OSError:
                        break
                    self.on_packet(src, packet, time.monotonic())


def main():
    hosts = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if not 1 <= hosts <= 200:
        sys.exit('hosts must be 1..200')
    Switch(hosts, seed).run()


if __name__ == '__main__':
    main()
