/// The fields of /proc/PID/status (proc(5)) that `PidStatus` leaves out and
/// `inspect` needs: memory (kB: VmPeak, VmSize, VmLck, VmHWM, VmRSS, VmData,
/// VmStk, VmSwap, RssAnon/RssFile/RssShmem since 4.5), FDSize, the queued
/// signals of SigQ (`queued/limit`), Seccomp_filters (5.9) and the context
/// switch counters. Kernel threads have no Vm* lines; absent fields stay nil.
public struct PidStatusDetails: Equatable, Sendable {
    public var vmPeak: UInt64?
    public var vmSize: UInt64?
    public var vmLck: UInt64?
    public var vmHWM: UInt64?
    public var vmRSS: UInt64?
    public var vmData: UInt64?
    public var vmStk: UInt64?
    public var vmSwap: UInt64?
    public var rssAnon: UInt64?
    public var rssFile: UInt64?
    public var rssShmem: UInt64?
    public var fdSize: UInt64?
    public var sigQueued: UInt64?
    public var seccompFilters: UInt64?
    public var voluntaryCtxtSwitches: UInt64?
    public var nonvoluntaryCtxtSwitches: UInt64?
    public init() {}

    public static func parse(_ bytes: Bytes) -> PidStatusDetails {
        var m = PidStatusDetails()
        forEachKeyValue(bytes) { key, v in
            switch key.count {
            case 5 where key.equals("VmHWM"): m.vmHWM = v
            case 5 where key.equals("VmRSS"): m.vmRSS = v
            case 5 where key.equals("VmLck"): m.vmLck = v
            case 5 where key.equals("VmStk"): m.vmStk = v
            case 6 where key.equals("VmPeak"): m.vmPeak = v
            case 6 where key.equals("VmSize"): m.vmSize = v
            case 6 where key.equals("VmData"): m.vmData = v
            case 6 where key.equals("VmSwap"): m.vmSwap = v
            case 6 where key.equals("FDSize"): m.fdSize = v
            case 4 where key.equals("SigQ"): m.sigQueued = v
            case 7 where key.equals("RssAnon"): m.rssAnon = v
            case 7 where key.equals("RssFile"): m.rssFile = v
            case 8 where key.equals("RssShmem"): m.rssShmem = v
            case 15 where key.equals("Seccomp_filters"): m.seccompFilters = v
            case 23 where key.equals("voluntary_ctxt_switches"): m.voluntaryCtxtSwitches = v
            case 26 where key.equals("nonvoluntary_ctxt_switches"): m.nonvoluntaryCtxtSwitches = v
            default: break
            }
        }
        return m
    }
}
