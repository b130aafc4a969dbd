/** The simulator's event queue: the shared deadline-ordered heap. */
export { EventHeap, type Scheduled } from '../node/event-heap.js'
