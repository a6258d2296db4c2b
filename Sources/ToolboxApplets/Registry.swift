import ToolboxCore

/// Every applet's name, sorted (a test checks order and uniqueness, and
/// that `applet(at: i)` is the applet named `appletNames[i]`). To add an
/// applet: write `NAME.swift` with `let NAMEApplet = Applet(...)`, add its
/// name here and a case in `applet(at:)` at the same index.
///
/// The dispatcher binary-searches these names and builds only the applet it
/// runs: building every `Applet` (the `applets` array) constructs all the
/// option tables, ~87k instructions (a third of `caps --decode`'s start-up
/// at 67 applets; bench/results/startup.md).
public let appletNames: [String] = [
    "[",
    "basename",
    "caps",
    "cat",
    "curl",
    "cut",
    "date",
    "df",
    "dig",
    "dirname",
    "du",
    "echo",
    "env",
    "false",
    "find",
    "free",
    "grep",
    "gunzip",
    "gzip",
    "head",
    "host",
    "hostname",
    "id",
    "inspect",
    "ip",
    "kill",
    "less",
    "ls",
    "lsns",
    "lsof",
    "more",
    "nc",
    "netstat",
    "nslookup",
    "pgrep",
    "pidof",
    "ping",
    "pkill",
    "pmap",
    "printf",
    "prlimit",
    "ps",
    "pwdx",
    "readlink",
    "seq",
    "sh",
    "sleep",
    "sort",
    "stat",
    "tail",
    "tar",
    "tee",
    "test",
    "top",
    "tr",
    "true",
    "uname",
    "uniq",
    "uptime",
    "wc",
    "wget",
    "whoami",
    "xargs",
    "zcat",
]

/// The applet named `appletNames[i]`; only that applet's global is built.
public func applet(at i: Int) -> Applet {
    switch i {
    case 0: return bracketApplet
    case 1: return basenameApplet
    case 2: return capsApplet
    case 3: return catApplet
    case 4: return curlApplet
    case 5: return cutApplet
    case 6: return dateApplet
    case 7: return dfApplet
    case 8: return digApplet
    case 9: return dirnameApplet
    case 10: return duApplet
    case 11: return echoApplet
    case 12: return envApplet
    case 13: return falseApplet
    case 14: return findApplet
    case 15: return freeApplet
    case 16: return grepApplet
    case 17: return gunzipApplet
    case 18: return gzipApplet
    case 19: return headApplet
    case 20: return hostApplet
    case 21: return hostnameApplet
    case 22: return idApplet
    case 23: return inspectApplet
    case 24: return ipApplet
    case 25: return killApplet
    case 26: return lessApplet
    case 27: return lsApplet
    case 28: return lsnsApplet
    case 29: return lsofApplet
    case 30: return moreApplet
    case 31: return ncApplet
    case 32: return netstatApplet
    case 33: return nslookupApplet
    case 34: return pgrepApplet
    case 35: return pidofApplet
    case 36: return pingApplet
    case 37: return pkillApplet
    case 38: return pmapApplet
    case 39: return printfApplet
    case 40: return prlimitApplet
    case 41: return psApplet
    case 42: return pwdxApplet
    case 43: return readlinkApplet
    case 44: return seqApplet
    case 45: return shApplet
    case 46: return sleepApplet
    case 47: return sortApplet
    case 48: return statApplet
    case 49: return tailApplet
    case 50: return tarApplet
    case 51: return teeApplet
    case 52: return testApplet
    case 53: return topApplet
    case 54: return trApplet
    case 55: return trueApplet
    case 56: return unameApplet
    case 57: return uniqApplet
    case 58: return uptimeApplet
    case 59: return wcApplet
    case 60: return wgetApplet
    case 61: return whoamiApplet
    case 62: return xargsApplet
    case 63: return zcatApplet
    default: preconditionFailure("applet index \(i) out of range")
    }
}

/// Every applet, in `appletNames` order: built on first use (--list,
/// --help, --install), never on the start-up path of one applet.
public let applets: [Applet] = appletNames.indices.map(applet(at:))

/// Looks an applet up by name (binary search over the sorted names).
public func applet(named name: String) -> Applet? {
    appletIndex(named: name).map(applet(at:))
}

/// The index in `appletNames` of the applet called `name`. The dispatcher
/// uses this rather than `Applet?`: an optional of a non-trivial struct
/// needs Optional's metadata at run time, whose first instantiation is a
/// large part of start-up (bench/startup.sh).
public func appletIndex(named name: String) -> Int? {
    var lo = 0, hi = appletNames.count - 1
    while lo <= hi {
        let mid = (lo + hi) / 2
        let n = appletNames[mid]
        if n == name { return mid }
        if n < name { lo = mid + 1 } else { hi = mid - 1 }
    }
    return nil
}
