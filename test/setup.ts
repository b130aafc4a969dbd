// Loaded before every test file: libp2p code needs Promise.withResolvers, which Node 20 lacks.
import '../src/polyfill.js'
