/// The fields of /etc/passwd (passwd(5)) and /etc/group (group(5)) that
/// `id USER` needs beyond IDNames's name <-> id maps: a user's primary
/// group and the groups that list the user as a member. Parsed directly,
/// never through NSS (see IDNames). Malformed lines are skipped.
public struct UserDatabase: Sendable {
    public struct User: Equatable, Sendable {
        public var name: String, uid: UInt32, gid: UInt32
    }
    public struct Group: Equatable, Sendable {
        public var name: String, gid: UInt32, members: [String]
    }
    public private(set) var users: [User] = []
    public private(set) var groups: [Group] = []

    public init(passwd: Bytes, group: Bytes) {
        users = Self.lines(passwd).compactMap { f in
            guard f.count >= 4, !f[0].isEmpty, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return User(name: f[0], uid: uid, gid: gid)
        }
        groups = Self.lines(group).compactMap { f in
            guard f.count >= 3, !f[0].isEmpty, let gid = UInt32(f[2]) else { return nil }
            let members = f.count > 3 ? f[3].split(separator: ",").map(String.init) : []
            return Group(name: f[0], gid: gid, members: members)
        }
    }

    /// The colon-separated fields of each entry (PasswdFile, the one splitter).
    static func lines(_ bytes: Bytes) -> [[String]] {
        var out: [[String]] = []
        PasswdFile.forEachEntry(bytes) { f in out.append(f.map(\.string)) }
        return out
    }

    /// The first entry named `name` (getpwnam order).
    public func user(named name: String) -> User? { users.first { $0.name == name } }
    public func user(uid: UInt32) -> User? { users.first { $0.uid == uid } }

    /// getgrouplist(3): `gid` first, then every group listing `user` as a
    /// member, in file order, without repeats.
    public func groupList(user: String, gid: UInt32) -> [UInt32] {
        var list = [gid]
        for g in groups where g.members.contains(user) && !list.contains(g.gid) { list.append(g.gid) }
        return list
    }
}
