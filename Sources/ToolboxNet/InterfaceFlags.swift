import ToolboxSystem
import CShim

/// Flags (IFF_*) and MTU of network interfaces, asked with SIOCGIFFLAGS and
/// SIOCGIFMTU (netdevice(7)) on a datagram socket of the namespace
/// (this process's own, or a target's: `NetNamespace(pid:)`).
public final class InterfaceFlags {
    let fd: FileDescriptor
    public init(namespace: NetNamespace) throws(Errno) {
        fd = try namespace.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    }
    deinit { fd.close() }

    /// (flags, mtu); nil when the interface is gone.
    public func query(_ name: String) -> (flags: Int32, mtu: Int32)? {
        var f: Int32 = 0, m: Int32 = 0
        return cshim_if_flags_mtu(fd.rawValue, name, &f, &m) == 0 ? (f, m) : nil
    }
}
