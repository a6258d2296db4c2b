/// Every fuzz target, sorted by name (FuzzReplayTests checks it, and that
/// each has seeds). scripts/fuzz runs them; add new ones here.
let fuzzTargets: [FuzzTarget] = [
    capsFuzzTarget,
    cgroupFuzzTarget,
    cmdlineFuzzTarget,
    fdinfoFuzzTarget,
    findFuzzTarget,
    inflateFuzzTarget,
    mapsFuzzTarget,
    netlinkFuzzTarget,
    optionsFuzzTarget,
    passwdFuzzTarget,
    procstatFuzzTarget,
    statFuzzTarget,
    statusFuzzTarget,
    tarFuzzTarget,
    tcpFuzzTarget,
    tcp6FuzzTarget,
    udpFuzzTarget,
    unixFuzzTarget,
]
