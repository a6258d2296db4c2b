import ToolboxFormats
import ToolboxSystem

/// A 64-bit Linux capability mask (capabilities(7)), as in the CapEff etc.
/// lines of /proc/PID/status.
public struct CapabilitySet: Equatable, Hashable, Sendable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Capability names indexed by bit, from <linux/capability.h>, through
    /// cap_checkpoint_restore (40, Linux 5.9).
    public static let names: [String] = [
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
        "cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
        "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
        "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
        "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
        "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
        "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
        "cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
        "cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
        "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
        "cap_checkpoint_restore",
    ]

    public enum Bit: Int {
        case chown = 0, dacOverride = 1, dacReadSearch = 2, setgid = 6, setuid = 7
        case netBindService = 10, netAdmin = 12, netRaw = 13, sysChroot = 18
        case sysPtrace = 19, sysAdmin = 21
    }

    public func contains(_ bit: Bit) -> Bool { contains(bit: bit.rawValue) }
    public func contains(bit: Int) -> Bool { bit >= 0 && bit < 64 && rawValue & (1 << UInt64(bit)) != 0 }

    /// The name of a bit; `cap_N` for a bit with no known name.
    public static func name(ofBit bit: Int) -> String {
        bit < names.count ? names[bit] : "cap_\(bit)"
    }

    /// The bit for a name (`cap_sys_ptrace`, `sys_ptrace`, `SYS_PTRACE` or `cap_N`).
    public static func bit(named name: String) -> Int? {
        var n = name.lowercased()
        if !n.hasPrefix("cap_") { n = "cap_" + n }
        if let i = names.firstIndex(of: n) { return i }
        if let v = Int(n.dropFirst(4)), v >= 0, v < 64 { return v }
        return nil
    }

    /// The names of the set bits, in bit order.
    public var names: [String] {
        (0..<64).filter { contains(bit: $0) }.map { Self.name(ofBit: $0) }
    }

    /// `capsh --decode` format: `0x00000000000805fb=cap_chown,...`.
    public var decoded: String {
        // Built in one string (no intermediate arrays): this is the whole
        // work of `caps --decode`, whose start-up time is benchmarked.
        var s = "0x"
        s.reserveCapacity(32 + 20 * rawValue.nonzeroBitCount)
        s += hex16(rawValue)
        s += "="
        var first = true
        for bit in 0..<64 where contains(bit: bit) {
            if !first { s += "," }
            first = false
            s += Self.name(ofBit: bit)
        }
        return s
    }

    /// Writes `decoded` straight into `out`, building no String: freeing a
    /// heap String is what first instantiates Optional's metadata (its
    /// breadcrumbs field), a large share of `caps --decode`'s start-up.
    public func writeDecoded(to out: OutputWriter) {
        out.write("0x" as StaticString)
        for i in 0..<16 {
            let nib = UInt8((rawValue >> UInt64((15 - i) * 4)) & 0xF)
            out.byte(nib < 10 ? nib + 0x30 : nib - 10 + 0x61)
        }
        out.byte(UInt8(ascii: "="))
        var first = true
        for bit in 0..<64 where contains(bit: bit) {
            if !first { out.byte(UInt8(ascii: ",")) }
            first = false
            if bit < Self.names.count { out.write(Self.names[bit]) } else { out.write("cap_\(bit)") }
        }
    }

    /// Parses a hex mask as capsh --decode takes it (`805fb`, `0x805fb`).
    /// Unlike libcap, rejects non-hex input and values over 64 bits.
    public init(parsingHex text: String) throws(ToolError) {
        // On the UTF-8 bytes (no Character slicing on the `caps --decode` start-up path).
        var digits = Substring(text).utf8
        if digits.count >= 2, digits.first == UInt8(ascii: "0"),
           digits.dropFirst().first == UInt8(ascii: "x") || digits.dropFirst().first == UInt8(ascii: "X") {
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty else { throw .usage("invalid capability mask '\(text)': expected hex digits") }
        var v: UInt64 = 0
        for ch in digits {
            guard let d = ASCII.hexValue(ch) else {
                throw .usage("invalid capability mask '\(text)': not a hex number")
            }
            if v >> 60 != 0 { throw .usage("invalid capability mask '\(text)': more than 64 bits") }
            v = v << 4 | UInt64(d)
        }
        rawValue = v
    }
}

/// 16 lowercase hex digits, zero padded.
public func hex16(_ v: UInt64) -> String {
    String(unsafeUninitializedCapacity: 16) { buf in
        for i in 0..<16 {
            let nib = UInt8((v >> UInt64((15 - i) * 4)) & 0xF)
            buf[i] = nib < 10 ? nib + 0x30 : nib - 10 + 0x61
        }
        return 16
    }
}
