import type { ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';

/** A producer's view of a server stream: write, and wait when the client is behind. */
export interface BackpressuredWriter<T> {
  /** false: the transport buffer is full; await `drained` before writing more. */
  write(item: T): boolean;
  /** Resolves on 'drain', or at once when `signal` aborts (cancel, shutdown). */
  drained(signal: AbortSignal): Promise<void>;
}

/**
 * Nest writes a returned Observable to the call and buffers every value without limit while the
 * client is slow, so a producer of a million events would end up in memory. Here the producer
 * writes to the call itself and waits for 'drain'; the returned Observable only carries the end
 * (complete -> OK, error -> the mapped status) and aborts the producer when the client cancels.
 */
export function backpressuredStream<T, M>(
  call: ServerWritableStream<unknown, M>,
  toMessage: (item: T) => M,
  produce: (writer: BackpressuredWriter<T>, signal: AbortSignal) => Promise<void>,
): Observable<never> {
  return new Observable<never>((subscriber) => {
    const controller = new AbortController();
    const cancel = () => controller.abort();
    call.on('cancelled', cancel);
    const writer: BackpressuredWriter<T> = {
      write: (item) => call.write(toMessage(item)),
      drained: (signal) =>
        new Promise<void>((resolve) => {
          const done = () => {
            call.off('drain', done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          call.on('drain', done);
          signal.addEventListener('abort', done, { once: true });
        }),
    };
    produce(writer, controller.signal).then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      call.off('cancelled', cancel);
      controller.abort();
    };
  });
}
