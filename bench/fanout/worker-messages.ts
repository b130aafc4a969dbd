/** Messages between the multi-process fan-out coordinator and its node workers. */
export type ToWorker =
  | { type: 'listen'; requestId: number; size: number; ihaveDispatchMs?: number | undefined }
  | { type: 'subscribe'; requestId: number; bootstrap: { id: string; addrs: string[] }[] }
  | { type: 'broadcast'; requestId: number; messageNumber: number }
  | { type: 'stats'; requestId: number }
  | { type: 'stop'; requestId: number }

export type FromWorker =
  | { type: 'listening'; requestId: number; addr: { id: string; addrs: string[] } }
  | { type: 'subscribed'; requestId: number }
  | { type: 'broadcasted'; requestId: number; sentAtMs: number }
  | { type: 'stats'; requestId: number; bytesWritten: number; framesSent: number; cpuMs: number }
  | { type: 'delivered'; messageNumber: number; atMs: number }
  /** Sent on every neighborUp / neighborDown; `down` is the neighborDown reason. */
  | { type: 'neighbors'; count: number; down?: string | undefined }
