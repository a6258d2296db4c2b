import ToolboxCore

/// Every applet, sorted by name (a test checks order and uniqueness).
/// To add an applet: write `NAME.swift` with `let NAMEApplet = Applet(...)`
/// and add it here.
public let applets: [Applet] = [
    bracketApplet,
    basenameApplet,
    capsApplet,
    catApplet,
    curlApplet,
    cutApplet,
    dateApplet,
    dfApplet,
    digApplet,
    dirnameApplet,
    duApplet,
    echoApplet,
    envApplet,
    falseApplet,
    findApplet,
    freeApplet,
    grepApplet,
    gunzipApplet,
    gzipApplet,
    headApplet,
    hostApplet,
    hostnameApplet,
    idApplet,
    inspectApplet,
    ipApplet,
    killApplet,
    lessApplet,
    lsApplet,
    lsnsApplet,
    lsofApplet,
    moreApplet,
    ncApplet,
    netstatApplet,
    nslookupApplet,
    pgrepApplet,
    pidofApplet,
    pingApplet,
    pkillApplet,
    pmapApplet,
    printfApplet,
    prlimitApplet,
    psApplet,
    pwdxApplet,
    readlinkApplet,
    seqApplet,
    shApplet,
    sleepApplet,
    sortApplet,
    statApplet,
    tailApplet,
    tarApplet,
    teeApplet,
    testApplet,
    topApplet,
    trApplet,
    trueApplet,
    unameApplet,
    uniqApplet,
    uptimeApplet,
    wcApplet,
    wgetApplet,
    whoamiApplet,
    xargsApplet,
    zcatApplet,
]

/// Looks an applet up by name (binary search over the sorted table).
public func applet(named name: String) -> Applet? {
    appletIndex(named: name).map { applets[$0] }
}

/// The index in `applets` of the applet called `name`. The dispatcher uses
/// this rather than `Applet?`: an optional of a non-trivial struct needs
/// Optional's metadata at run time, whose first instantiation is a large
/// part of start-up (bench/startup.sh).
public func appletIndex(named name: String) -> Int? {
    var lo = 0, hi = applets.count - 1
    while lo <= hi {
        let mid = (lo + hi) / 2
        let n = applets[mid].name
        if n == name { return mid }
        if n < name { lo = mid + 1 } else { hi = mid - 1 }
    }
    return nil
}
