import ToolboxFormats

/// A plain POSIX thread for overlapping two independent scans (netstat -p
/// reads every /proc/PID/fd while the socket dump runs). No Dispatch, no
/// Foundation: pthread_create(3) and pthread_join(3).
public final class BackgroundThread: @unchecked Sendable {
    private final class Job: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private var thread: pthread_t = pthread_t()
    private var started = false

    /// Starts `body` on a new thread; if no thread can be created, runs it
    /// on the calling thread before returning.
    public init(_ body: @escaping () -> Void) {
        let arg = Unmanaged.passRetained(Job(body)).toOpaque()
        let r = pthread_create(&thread, nil, { p in
            let job = Unmanaged<AnyObject>.fromOpaque(p!).takeRetainedValue() as! Job
            job.body()
            return nil
        }, arg)
        if r == 0 {
            started = true
        } else {
            let job = Unmanaged<AnyObject>.fromOpaque(arg).takeRetainedValue() as! Job
            job.body()
        }
    }

    /// Waits for the body to finish.
    public func join() {
        if started { pthread_join(thread, nil); started = false }
    }
}
