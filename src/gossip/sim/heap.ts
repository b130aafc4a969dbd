/** The simulator's event queue: the shared deadline-ordered heap. */
export { EventHeap, type Scheduled } from '../event-heap.js'
