/// /proc/tty/drivers (proc(5)): `driver-name  /dev/NAME  major  minors  type`,
/// minors either `N` or `FIRST-LAST`. Read as procps's load_drivers does: a
/// `/dev/NAME%d` (devfs) name keeps the name without `%d` and is flagged.
/// Lines without a /dev/ column or numbers are skipped.
public struct TtyDriver: Equatable, Sendable {
    public var name: String        // without the leading /dev/
    public var major: UInt32
    public var minorFirst: UInt32
    public var minorLast: UInt32
    public var devfs: Bool

    public init(name: String, major: UInt32, minorFirst: UInt32, minorLast: UInt32, devfs: Bool) {
        self.name = name; self.major = major; self.minorFirst = minorFirst; self.minorLast = minorLast; self.devfs = devfs
    }

    public static func parse(_ bytes: Bytes) -> [TtyDriver] {
        var out: [TtyDriver] = []
        var sc = ByteScanner(bytes)
        while !sc.atEnd && out.count < 4096 {
            var line = ByteScanner(sc.upTo(ASCII.newline))
            guard line.field() != nil, let dev = line.field(), dev.count > 5,
                  Bytes(rebasing: dev[0..<5]).equals("/dev/"),
                  let major = line.uint(), major <= UInt32.max else { continue }
            var name = Bytes(rebasing: dev[5...])
            var devfs = false
            if name.count >= 3, name[name.count - 2] == 0x25, name[name.count - 1] == 0x64 {   // "%d"
                name = Bytes(rebasing: name[..<(name.count - 2)]); devfs = true
            }
            guard let first = line.uint(), first <= UInt32.max else { continue }
            var last = first
            if line.position < line.bytes.count, line.bytes[line.position] == 0x2D {
                line.position += 1
                guard let l = line.uint(), l <= UInt32.max else { continue }
                last = l
            }
            out.append(TtyDriver(name: name.string, major: UInt32(major), minorFirst: UInt32(first), minorLast: UInt32(last), devfs: devfs))
        }
        return out
    }
}
